// Start the NHS.UK frontend's components (the header's "More" menu on small screens, the error
// summary taking focus, radios' conditional questions, ...). The library only defines them.
import { initAll } from "/static/vendor/nhsuk/nhsuk-frontend.min.js";

initAll();

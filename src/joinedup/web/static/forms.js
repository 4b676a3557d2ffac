// A page that shows an error summary moves focus to it, as the NHS.UK design system asks, and a
// link in the summary moves focus to its field. Loaded by the error_summary macro (_forms.jinja).
import { createAll, ErrorSummary } from "./vendor/nhsuk/nhsuk-frontend.min.js";

createAll(ErrorSummary);

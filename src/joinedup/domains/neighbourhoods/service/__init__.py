"""The neighbourhoods door: a commissioner's studies (demand, design, scenario runs), kept in the
database and seen only by the organisation that made them.

Handlers (api, views) call one of these and render what it returns. Every change is audited and
announced through ``core.changes`` in the caller's transaction.
"""

from joinedup.domains.neighbourhoods.service.designs import design_study
from joinedup.domains.neighbourhoods.service.listing import list_studies
from joinedup.domains.neighbourhoods.service.outputs import comparison_csv, comparison_svg, map_svg, summary
from joinedup.domains.neighbourhoods.service.runs import start_run
from joinedup.domains.neighbourhoods.service.store import Study, StudyStore
from joinedup.domains.neighbourhoods.service.studies import (
    UploadRejected,
    check_upload,
    create_study,
    get_study,
    move_lsoa,
    upload_study,
)

__all__ = [
    "Study",
    "StudyStore",
    "UploadRejected",
    "check_upload",
    "comparison_csv",
    "comparison_svg",
    "create_study",
    "design_study",
    "get_study",
    "list_studies",
    "map_svg",
    "move_lsoa",
    "start_run",
    "summary",
    "upload_study",
]

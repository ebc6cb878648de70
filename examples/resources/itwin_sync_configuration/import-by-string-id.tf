# Adopt an iModel's existing configuration into the resource "itwin_sync_configuration" "imodel" above.
import {
  to = itwin_sync_configuration.imodel
  id = "imodels/${var.imodel_id}"
}

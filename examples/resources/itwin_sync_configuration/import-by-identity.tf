# Adopt the existing configuration of an iModel (Terraform 1.12 and later). scope is itwin, imodel or connection.
import {
  to = itwin_sync_configuration.imodel
  identity = {
    scope    = "imodel"
    scope_id = "eb6ccda2-15aa-4aff-99b5-9c71aea04ceb"
  }
}

# Adopt an existing named version (Terraform 1.12 and later).
import {
  to = itwin_imodel_named_version.milestone
  identity = {
    imodel_id = "eb6ccda2-15aa-4aff-99b5-9c71aea04ceb"
    id        = "8d2e4a47-9f0a-4a56-b0a5-0b1e8b9f4c11"
  }
}

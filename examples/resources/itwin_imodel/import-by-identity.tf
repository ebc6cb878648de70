# Adopt an existing iModel by its id (Terraform 1.12 and later).
import {
  to = itwin_imodel.plant
  identity = {
    id = "eb6ccda2-15aa-4aff-99b5-9c71aea04ceb"
  }
}

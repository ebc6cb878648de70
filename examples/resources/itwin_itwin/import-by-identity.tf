# Adopt an existing iTwin by its id (Terraform 1.12 and later).
import {
  to = itwin_itwin.plant
  identity = {
    id = "67453631-e02f-4e5f-aeb6-4ac1c299a4d2"
  }
}

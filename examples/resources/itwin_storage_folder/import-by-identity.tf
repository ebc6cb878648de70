# Adopt an existing Storage folder by its id (Terraform 1.12 and later).
import {
  to = itwin_storage_folder.plant
  identity = {
    id = "TYQ4tSgPn0ujoqf5DaQ-x9u6R1d-qoVDmNSWOyXKGXo"
  }
}

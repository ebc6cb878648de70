# Adopt an existing storage connection by its id (Terraform 1.12 and later).
import {
  to = itwin_sync_storage_connection.plant_a
  identity = {
    id = "CDGyTAuzEViJKcyqyWp6bJW6ecC69Od8tgzKjbyILG8"
  }
}

# Adopt an existing run of a storage connection (Terraform 1.12 and later).
import {
  to = itwin_sync_storage_connection_run.plant
  identity = {
    connection_id = "CDGyTAuzEViJKcyqyWp6bJW6ecC69Od8tgzKjbyILG8"
    id            = "f5dfaaf8-791b-45d1-9548-16cf2ff6147d"
  }
}

# Adopt a Storage file mapped into a storage connection (Terraform 1.12 and later). id is the mapping id (a value
# of source_file_ids), not the Storage file id.
import {
  to = itwin_sync_storage_connection_source_file.site
  identity = {
    connection_id = "CDGyTAuzEViJKcyqyWp6bJW6ecC69Od8tgzKjbyILG8"
    id            = "35009393-a7a5-4e2a-bda0-89da60f2419f"
  }
}

# Adopt an external document registered on a manifest connection (Terraform 1.12 and later). id is the mapping
# id, not the document's own source_file_id.
import {
  to = itwin_sync_manifest_connection_source_file.annex
  identity = {
    connection_id = "uTqD9h2o4Cw8YpR1ZkZr3mJw0bXlq6mR4n5Kc7pQ2sA"
    id            = "a44d2e48-6404-448a-8913-a4a7adbb346e"
  }
}

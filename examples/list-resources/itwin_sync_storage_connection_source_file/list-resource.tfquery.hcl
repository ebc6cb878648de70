# The files mapped into a storage connection that is managed elsewhere. (A connection managed by
# itwin_sync_storage_connection lists its files in source_files; do not list them here as well.)
variable "connection_id" {
  type        = string
  description = "The storage connection whose source files are listed."
}

list "itwin_sync_storage_connection_source_file" "shared" {
  provider         = itwin
  include_resource = true
  limit            = 250 # a connection maps at most 250 files

  config {
    connection_id = var.connection_id
  }
}

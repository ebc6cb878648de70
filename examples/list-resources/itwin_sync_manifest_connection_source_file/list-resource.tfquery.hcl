# The documents registered on a manifest connection that is managed elsewhere.
variable "connection_id" {
  type        = string
  description = "The manifest connection whose source files are listed."
}

list "itwin_sync_manifest_connection_source_file" "shared" {
  provider         = itwin
  include_resource = true
  limit            = 250

  config {
    connection_id = var.connection_id
  }
}

variable "connection_id" {
  type        = string
  description = "A storage connection created outside this configuration (a storage connection needs a file at creation, so one created by Terraform lists its files inline instead)."
}

variable "storage_file_id" {
  type        = string
  description = "Id of a completed Storage file in the iModel's iTwin."
}

# Adds one file to a connection managed elsewhere. Never combine this resource with the inline source_files of an
# itwin_sync_storage_connection for the same connection: the inline list is authoritative and would remove it.
resource "itwin_sync_storage_connection_source_file" "site" {
  connection_id   = var.connection_id
  storage_file_id = var.storage_file_id
  connector_type  = "CIVIL" # changing it (or storage_file_id) updates the mapping in place
}

output "site_file_name" {
  value = itwin_sync_storage_connection_source_file.site.file_name
}

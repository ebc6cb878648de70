variable "itwin_id" {
  type        = string
  description = "The iTwin whose defaults every iModel and connection inherits."
}

variable "imodel_id" {
  type        = string
  description = "An iModel of that iTwin."
}

variable "connection_id" {
  type        = string
  description = "A storage or manifest connection of that iModel."
}

# iTwin level: push one changeset per run, and do not upload reality data (it uses credits).
resource "itwin_sync_configuration" "itwin" {
  itwin_id                      = var.itwin_id
  squash_intermediate_revisions = true
  upload_dgn_reality_data       = false
}

# iModel level: only iModel flags are allowed here.
resource "itwin_sync_configuration" "imodel" {
  imodel_id      = var.imodel_id
  clamp_z_extent = true
}

# Connection level, plus a flag this provider version does not know yet (passed through as is).
resource "itwin_sync_configuration" "connection" {
  connection_id              = var.connection_id
  enable_sheets_and_drawings = true

  additional_settings = jsonencode({
    someFutureFlag = true
  })
}

# What the connection's next run will use: the defaults overridden by the iTwin, iModel and connection levels.
output "connection_squashes" {
  value = tobool(itwin_sync_configuration.connection.resolved_settings["squashIntermediateRevisions"])
}

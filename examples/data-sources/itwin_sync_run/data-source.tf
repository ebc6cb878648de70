variable "connection_id" {
  type        = string
  description = "Storage or manifest connection."
}

# The connection's latest run (set run_id to read a given one).
data "itwin_sync_run" "latest" {
  connection_id = var.connection_id
}

output "latest_run" {
  value = {
    id         = data.itwin_sync_run.latest.id
    state      = data.itwin_sync_run.latest.state
    result     = data.itwin_sync_run.latest.result
    changesets = [for cs in data.itwin_sync_run.latest.changesets : cs.index]
    failed     = [for t in data.itwin_sync_run.latest.tasks : t.file_name if t.result != "Success"]
  }
}

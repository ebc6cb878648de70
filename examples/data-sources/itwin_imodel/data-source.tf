variable "imodel_id" {
  type        = string
  description = "An iModel visible to the provider's client."
}

data "itwin_imodel" "plant" {
  id                 = var.imodel_id
  include_changesets = true
}

# What synchronization pushed, newest last: one line per changeset with the files it came from.
output "changesets" {
  value = [
    for c in data.itwin_imodel.plant.changesets :
    "#${c.index} ${c.description} (${join(", ", coalesce(c.changed_files, []))})"
  ]
}

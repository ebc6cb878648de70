variable "imodel_id" {
  type        = string
  description = "An iModel visible to the provider's client."
}

variable "itwin_id" {
  type        = string
  description = "The iTwin that holds the iModel named \"Plant A\"."
}

data "itwin_imodel" "plant" {
  id                 = var.imodel_id
  include_changesets = true
}

# Or find it by its exact name within an iTwin.
data "itwin_imodel" "by_name" {
  itwin_id = var.itwin_id
  name     = "Plant A"
}

# What synchronization pushed, newest last: one line per changeset with the files it came from.
output "changesets" {
  value = [
    for c in data.itwin_imodel.plant.changesets :
    "#${c.index} ${c.description} (${join(", ", coalesce(c.changed_files, []))})"
  ]
}

output "plant_a_id" {
  value = data.itwin_imodel.by_name.id
}

variable "itwin_id" {
  type        = string
  description = "The iTwin that owns the iModel."
}

# An empty iModel. name, description and extent are updated in place (the iModel keeps its id and changesets);
# only a new itwin_id replaces it, which deletes it with its data.
resource "itwin_imodel" "plant" {
  itwin_id    = var.itwin_id
  name        = "Plant A"
  description = "Synchronized from the Plant A design files"

  extent = {
    south_west = { latitude = 46.20, longitude = 6.10 }
    north_east = { latitude = 46.25, longitude = 6.20 }
  }

  timeouts = {
    create = "10m"
  }

  # Destroying or replacing the iModel deletes every synchronized changeset; refuse plans that would do it.
  lifecycle {
    prevent_destroy = true
  }
}

output "imodel_id" {
  value = itwin_imodel.plant.id
}

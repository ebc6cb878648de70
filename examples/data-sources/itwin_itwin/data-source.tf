variable "itwin_id" {
  type        = string
  description = "An iTwin visible to the provider's client."
}

data "itwin_itwin" "project" {
  id = var.itwin_id
}

# Or find it by its exact display name (or number); none or several matches is an error.
data "itwin_itwin" "by_name" {
  display_name = "Plant A"
}

output "itwin_name" {
  value = "${data.itwin_itwin.project.display_name} (${data.itwin_itwin.project.sub_class}, ${data.itwin_itwin.project.data_center_location})"
}

output "plant_a_id" {
  value = data.itwin_itwin.by_name.id
}

variable "itwin_id" {
  type        = string
  description = "An iTwin visible to the provider's client."
}

data "itwin_itwin" "project" {
  id = var.itwin_id
}

output "itwin_name" {
  value = "${data.itwin_itwin.project.display_name} (${data.itwin_itwin.project.sub_class}, ${data.itwin_itwin.project.data_center_location})"
}

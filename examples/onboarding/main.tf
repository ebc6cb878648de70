# requires terraform >= 1.14
# Onboarding an existing iTwin: onboarding.tfquery.hcl lists what the iTwin already holds, and
#   terraform query -generate-config-out=generated.tf
# writes a resource block and an import block for each object into generated.tf. `terraform plan` then shows
# imports only; review generated.tf, apply, and the iTwin is managed by Terraform.
#
# The provider reads its settings from the environment, as in examples/quickstart:
#   ITWIN_CLIENT_ID, ITWIN_CLIENT_SECRET  a service application's client credentials
#   ITWIN_API_URL                         e.g. http://127.0.0.1:8085 for itwin-local (default: api.bentley.com)
terraform {
  required_version = ">= 1.14"
  required_providers {
    itwin = {
      source = "seed37c7dd03/itwin"
    }
  }
}

provider "itwin" {}

variable "itwin_id" {
  type        = string
  description = "The iTwin to onboard."
}

// Command terraform-provider-itwin serves the Terraform provider for the iTwin Platform Synchronization API.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/provider"
)

// version is set by goreleaser at release time.
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "start the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/seed37c7dd03/itwin",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}

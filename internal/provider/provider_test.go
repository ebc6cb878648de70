package provider

import (
	"fmt"
	"os"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
)

// testAccProtoV6ProviderFactories serves the provider in process for acceptance tests.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"itwin": providerserver.NewProtocol6WithError(New("test")()),
}

// startLocal starts an in-process itwin-local for one acceptance test and returns it with a provider block that
// points at it. Tests that need TF_ACC skip themselves through resource.Test; this only starts the server when
// acceptance tests run, so plain unit runs stay fast.
func startLocal(t *testing.T, opts ...itwinlocaltest.Option) (*itwinlocaltest.Instance, string) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does)")
	}
	inst := itwinlocaltest.Start(t, opts...)
	return inst, providerBlock(inst)
}

func providerBlock(inst *itwinlocaltest.Instance) string {
	return fmt.Sprintf(`
provider "itwin" {
  api_url       = %q
  client_id     = %q
  client_secret = %q
  max_retries   = 2
}
`, inst.URL, inst.ClientID, inst.ClientSecret)
}

//go:build tooldeps

// Package tooldeps pins libraries that later code uses, so go mod tidy keeps them.
package tooldeps

import (
	_ "github.com/google/uuid"
	_ "github.com/hashicorp/go-retryablehttp"
	_ "github.com/hashicorp/terraform-plugin-framework-jsontypes/jsontypes"
	_ "github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	_ "github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	_ "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	_ "golang.org/x/oauth2/clientcredentials"
	_ "modernc.org/sqlite"
)

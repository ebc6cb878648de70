package itwin

import "context"

// Client is the iTwin Platform API client. PLACEHOLDER: replaced by the real client.
type Client struct{ cfg Config }

// NewClient builds a client. PLACEHOLDER.
func NewClient(_ context.Context, cfg Config) (*Client, error) { return &Client{cfg: cfg}, nil }

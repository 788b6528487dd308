package api

import (
	"context"

	"connectrpc.com/connect"

	authv1 "github.com/pyairtable/pyairtable/gen/pyairtable/auth/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/auth/v1/authv1connect"
	"github.com/pyairtable/pyairtable/server/auth"
	"github.com/pyairtable/pyairtable/server/storage"
)

type authHandler struct {
	db     *storage.DB
	tokens *auth.Service
}

var _ authv1connect.AuthServiceHandler = (*authHandler)(nil)

func (h *authHandler) CreateToken(ctx context.Context, req *connect.Request[authv1.CreateTokenRequest]) (*connect.Response[authv1.CreateTokenResponse], error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	in := auth.NewToken{Name: m.GetName(), Scopes: m.GetScopes(), WorkspaceIDs: m.GetWorkspaceIds(), BaseIDs: m.GetBaseIds()}
	if m.ExpireTime != nil {
		t := m.ExpireTime.AsTime()
		in.ExpiresAt = &t
	}
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*authv1.CreateTokenResponse, error) {
		t, secret, err := h.tokens.CreateToken(ctx, tx, who, in)
		if err != nil {
			return nil, err
		}
		return &authv1.CreateTokenResponse{Token: tokenToProto(t), Secret: secret}, nil
	}, func(r *authv1.CreateTokenResponse) *authv1.CreateTokenResponse {
		r.Secret = "" // never stored: a retry gets the token without it
		return r
	})
}

func (h *authHandler) ListTokens(ctx context.Context, req *connect.Request[authv1.ListTokensRequest]) (*connect.Response[authv1.ListTokensResponse], error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	page, err := h.tokens.ListTokens(ctx, h.db, who, int(req.Msg.GetPageSize()), req.Msg.GetPageToken(), req.Msg.GetShowRevoked())
	if err != nil {
		return nil, err
	}
	out := &authv1.ListTokensResponse{NextPageToken: page.Next}
	for _, t := range page.Tokens {
		out.Tokens = append(out.Tokens, tokenToProto(t))
	}
	return connect.NewResponse(out), nil
}

func (h *authHandler) RevokeToken(ctx context.Context, req *connect.Request[authv1.RevokeTokenRequest]) (*connect.Response[authv1.RevokeTokenResponse], error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*authv1.RevokeTokenResponse, error) {
		t, err := h.tokens.RevokeToken(ctx, tx, who, req.Msg.GetTokenId())
		if err != nil {
			return nil, err
		}
		return &authv1.RevokeTokenResponse{Token: tokenToProto(t)}, nil
	})
}

package api

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	authv1 "github.com/pyairtable/pyairtable/gen/pyairtable/auth/v1"
	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/auth"
)

func sessionToProto(s *auth.Session, who *access.Principal) *authv1.Session {
	return &authv1.Session{
		Id: s.ID, UserId: s.UserID, UserAgent: s.UserAgent, IpAddress: s.IP,
		CreateTime: timestamppb.New(s.CreatedAt), LastSeenTime: timestamppb.New(s.LastSeenAt),
		IdleExpireTime: timestamppb.New(s.IdleExpiresAt), ExpireTime: timestamppb.New(s.ExpiresAt),
		RevokeTime: ts(s.RevokedAt), Current: who.SessionID == s.ID,
	}
}

// sessionsReachable refuses session management to tokens limited to some
// workspaces or bases: sessions act on everything the user reaches.
func sessionsReachable(who *access.Principal) error {
	if who.TokenID != "" && who.Restricted() {
		return apperr.New(apperr.PermissionDenied, "TOKEN_RESTRICTED",
			"a token limited to some workspaces or bases cannot see or end sessions")
	}
	return nil
}

func (h *authHandler) GetSession(ctx context.Context, req *connect.Request[authv1.GetSessionRequest]) (*connect.Response[authv1.GetSessionResponse], error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id := req.Msg.GetSessionId()
	if id != "" {
		if err := sessionsReachable(who); err != nil {
			return nil, err
		}
	}
	if id == "" {
		if who.SessionID == "" {
			return nil, apperr.New(apperr.NotFound, "NO_SESSION",
				"this call was not made with a session; name a session_id or sign in through /auth/login")
		}
		id = who.SessionID
	}
	s, err := h.tokens.GetSession(ctx, h.db, who.UserID, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&authv1.GetSessionResponse{Session: sessionToProto(s, who)}), nil
}

func (h *authHandler) ListSessions(ctx context.Context, req *connect.Request[authv1.ListSessionsRequest]) (*connect.Response[authv1.ListSessionsResponse], error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := sessionsReachable(who); err != nil {
		return nil, err
	}
	page, err := h.tokens.ListSessions(ctx, h.db, who.UserID, int(req.Msg.GetPageSize()), req.Msg.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &authv1.ListSessionsResponse{NextPageToken: page.Next}
	for _, s := range page.Sessions {
		out.Sessions = append(out.Sessions, sessionToProto(s, who))
	}
	return connect.NewResponse(out), nil
}

func (h *authHandler) RevokeSession(ctx context.Context, req *connect.Request[authv1.RevokeSessionRequest]) (*connect.Response[authv1.RevokeSessionResponse], error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := sessionsReachable(who); err != nil {
		return nil, err
	}
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*authv1.RevokeSessionResponse, error) {
		s, err := h.tokens.RevokeSession(ctx, tx, who.UserID, req.Msg.GetSessionId())
		if err != nil {
			return nil, err
		}
		return &authv1.RevokeSessionResponse{Session: sessionToProto(s, who)}, nil
	})
}

func (h *authHandler) RevokeAllSessions(ctx context.Context, req *connect.Request[authv1.RevokeAllSessionsRequest]) (*connect.Response[authv1.RevokeAllSessionsResponse], error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := sessionsReachable(who); err != nil {
		return nil, err
	}
	keep := ""
	if req.Msg.GetKeepCurrent() {
		keep = who.SessionID
	}
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*authv1.RevokeAllSessionsResponse, error) {
		n, err := h.tokens.RevokeAllSessions(ctx, tx, who.UserID, keep)
		if err != nil {
			return nil, err
		}
		return &authv1.RevokeAllSessionsResponse{RevokedCount: int32(n)}, nil
	})
}

package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

const claimsKey = "drip.claims"

// authenticate requires a valid bearer token on every request it guards and
// puts its claims in the context. A missing or refused token is 401 with no
// detail beyond "unauthorized"; the reason is logged.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || token == "" {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="drip"`)
			return echo.NewHTTPError(http.StatusUnauthorized, "a bearer token is required")
		}
		claims, err := s.keys.Verify(token, s.deps.Now())
		if err != nil {
			s.deps.Logger.Info("token refused", "err", err, "remote", c.RealIP())
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="drip", error="invalid_token"`)
			return echo.NewHTTPError(http.StatusUnauthorized, "the bearer token is not accepted")
		}
		c.Set(claimsKey, claims)
		return next(c)
	}
}

// claimsOf returns the verified claims of an authenticated request.
func claimsOf(c echo.Context) Claims {
	cl, _ := c.Get(claimsKey).(Claims)
	return cl
}

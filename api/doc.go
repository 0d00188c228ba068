// Package api is Drip's HTTP face: the echo server, its routes, the one place
// where errors become RFC 9457 problem responses, health and readiness, and
// Prometheus metrics. It is the only package that imports echo.
package api

// Package mock serves the connection-requests API described by the OpenAPI document:
// routes built from the spec on gorilla/mux, every request validated with kin-openapi,
// deterministic pages from package fixtures with Django REST Framework's pagination,
// DRF error bodies, CORS, and an admin area under /__connreq/.
//
// The handler chain is composed outside the router (recover → access log → CORS →
// router), so 404, 405 and preflight requests get the same treatment as matched routes.
//
// Users: every id from 1 to 2147483647 (Django's 32-bit AutoField) exists; 0 and
// anything larger answer 404, as does an id that is not a string of digits.
package mock

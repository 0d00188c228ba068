package api

// Sign and PAE let the black-box tests build tokens whose payload IssueToken
// would never write (duplicate or case-variant claims, a future iat).
var (
	Sign = sign
	PAE  = pae
)

// Lemon grammar of the Loupe query language (0.1). Grammar only: every action is
// one call into the Builder (builder.h), which owns all nodes in an arena, so
// symbols carry non-owning pointers and need no %destructor.
%name LoupeQueryParse
%token_prefix LQ_
%token_type {const loupe::qp::LexToken*}
%default_type {loupe::qp::Node*}
%extra_argument {loupe::qp::Builder* b}
%stack_size 400

%include {
#include <cassert>
#include "builder.h"
}

%syntax_error { b->SyntaxError(TOKEN); }
%stack_overflow { b->Overflow(); }
%parse_failure { b->Failure(); }

%token AND OR NOT MINUS PLUS LPAREN RPAREN TERM PHRASE FIELD NEAR.

query ::= or_expr(A).                          { b->SetRoot(A); }

or_expr(A) ::= or_expr(B) OR and_expr(C).       { A = b->Or(B, C); }
or_expr(A) ::= and_expr(B).                     { A = B; }

and_expr(A) ::= and_expr(B) AND unary(C).       { A = b->And(B, C); }
and_expr(A) ::= and_expr(B) unary(C).           { A = b->And(B, C); }
and_expr(A) ::= unary(B).                       { A = B; }

unary(A) ::= NOT(T) unary(B).                   { A = b->Not(T, B); }
unary(A) ::= MINUS(T) unary(B).                 { A = b->Not(T, B); }
unary(A) ::= PLUS(T) unary(B).                  { A = b->Required(T, B); }
unary(A) ::= near(B).                           { A = B; }

near(A) ::= primary(B).                         { A = B; }
near(A) ::= primary(B) NEAR(T) primary(C).      { A = b->Near(B, T, C); }

primary(A) ::= LPAREN or_expr(B) RPAREN.        { A = B; }
primary(A) ::= TERM(T).                         { A = b->Leaf(nullptr, T); }
primary(A) ::= PHRASE(T).                       { A = b->Leaf(nullptr, T); }
primary(A) ::= FIELD(F) TERM(T).                { A = b->Leaf(F, T); }
primary(A) ::= FIELD(F) PHRASE(T).              { A = b->Leaf(F, T); }
primary(A) ::= FIELD(F) LPAREN or_expr(B) RPAREN(R). { A = b->FieldGroup(F, B, R); }

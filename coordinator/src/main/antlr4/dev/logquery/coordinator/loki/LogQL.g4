/*
 * The part of LogQL that logquery's Loki-compatible read API understands: stream selectors, line filters,
 * the json and logfmt parsers with label filters, drop, range aggregations (count_over_time, rate,
 * bytes_over_time, bytes_rate), vector aggregations (sum, count, max, min, avg with by/without), vector(n),
 * numbers and + - * / between metric expressions. Written for logquery from LogQL's documented syntax.
 *
 * Function names are identifiers here, not keywords: LogQl checks them, and looks for the LogQL features this
 * grammar does not carry (topk, line_format, unwrap, offset ...) in the tokens before parsing, so that such a
 * query is told "... is not supported" instead of a bare syntax error. Only 'by', 'without', 'and', 'or' and
 * the stage names json, logfmt and drop are keywords (and still usable as label names).
 */
grammar LogQL;
// (the antlr4 plugin gives the generated classes the package of this file's folder)

query
    : expr EOF
    ;

expr
    : logExpr                                                           # logQuery
    | metricExpr                                                        # metricQuery
    ;

// ------------------------------------------------------------------------------------------- log queries

logExpr
    : selector pipelineStage*
    | LPAREN logExpr RPAREN
    ;

selector
    : LBRACE (matcher (COMMA matcher)* COMMA?)? RBRACE
    ;

matcher
    : labelName op=(EQ | NEQ | RE | NRE) string
    ;

pipelineStage
    : lineFilter                                                        # lineFilterStage
    | PIPE JSON                                                         # jsonStage
    | PIPE LOGFMT                                                       # logfmtStage
    | PIPE DROP dropLabel (COMMA dropLabel)*                            # dropStage
    | PIPE labelFilter                                                  # labelFilterStage
    ;

lineFilter
    : op=(PIPE_EXACT | NEQ | PIPE_MATCH | NRE) string
    ;

dropLabel
    : labelName (op=(EQ | NEQ | RE | NRE) string)?
    ;

labelFilter
    : labelFilter AND labelFilter                                       # andFilter
    | labelFilter COMMA labelFilter                                     # andFilter
    | labelFilter labelFilter                                           # andFilter
    | labelFilter OR labelFilter                                        # orFilter
    | LPAREN labelFilter RPAREN                                         # parenFilter
    | labelName op=(EQ | NEQ | RE | NRE) string                         # stringFilter
    | labelName op=(GT | GTE | LT | LTE | EQEQ | NEQ | EQ) value=(NUMBER | DURATION | BYTES)   # numericFilter
    ;

// ------------------------------------------------------------------------------------------- metric queries

metricExpr
    : metricExpr op=(MUL | DIV | MOD) metricExpr                        # binaryExpr
    | metricExpr op=(ADD | SUB) metricExpr                              # binaryExpr
    | LPAREN metricExpr RPAREN                                          # parenExpr
    | name=IDENT grouping LPAREN metricExpr RPAREN                      # vectorAggregation
    | name=IDENT LPAREN metricExpr RPAREN grouping?                     # vectorAggregation
    | name=IDENT LPAREN logRange RPAREN                                 # rangeAggregation
    | name=IDENT LPAREN NUMBER RPAREN                                   # vectorLiteral
    | sign=(ADD | SUB)? NUMBER                                          # numberLiteral
    ;

logRange
    : selector range pipelineStage*
    | selector pipelineStage* range
    | LPAREN logExpr RPAREN range
    ;

range
    : LBRACK DURATION RBRACK
    ;

grouping
    : kind=(BY | WITHOUT) LPAREN (labelName (COMMA labelName)*)? RPAREN
    ;

labelName
    : IDENT | BY | WITHOUT | AND | OR | JSON | LOGFMT | DROP
    ;

string
    : STRING
    | RAW_STRING
    ;

// ------------------------------------------------------------------------------------------- tokens

BY         : 'by';
WITHOUT    : 'without';
AND        : 'and';
OR         : 'or';
JSON       : 'json';
LOGFMT     : 'logfmt';
DROP       : 'drop';

LBRACE     : '{';
RBRACE     : '}';
LPAREN     : '(';
RPAREN     : ')';
LBRACK     : '[';
RBRACK     : ']';
COMMA      : ',';

PIPE_EXACT : '|=';
PIPE_MATCH : '|~';
PIPE       : '|';
EQEQ       : '==';
EQ         : '=';
NEQ        : '!=';
RE         : '=~';
NRE        : '!~';
GTE        : '>=';
GT         : '>';
LTE        : '<=';
LT         : '<';
ADD        : '+';
SUB        : '-';
MUL        : '*';
DIV        : '/';
MOD        : '%';

// 5m, 1h30m, 250ms, 1.5s: longer than the NUMBER they start with, so they win.
DURATION   : (DIGITS ('.' DIGITS)? DURATION_UNIT)+;
// 10KB, 1.5MiB, 20b.
BYTES      : DIGITS ('.' DIGITS)? BYTES_UNIT;
NUMBER     : DIGITS ('.' DIGITS)? ([eE] [+-]? DIGITS)?;

IDENT      : [a-zA-Z_] [a-zA-Z0-9_]*;

STRING     : '"' (~["\\\r\n] | '\\' .)* '"';
RAW_STRING : '`' ~'`'* '`';

WS         : [ \t\r\n]+ -> skip;
COMMENT    : '#' ~[\r\n]* -> skip;

// Anything else is one token of its own, so that the parser (not the lexer) reports it with its position.
UNEXPECTED : .;

fragment DIGITS        : [0-9]+;
fragment DURATION_UNIT : 'ns' | 'us' | '\u00b5s' | 'ms' | 's' | 'm' | 'h' | 'd' | 'w' | 'y';
fragment BYTES_UNIT    : [bB] | [kKmMgGtTpP] [bB] | [kKmMgGtTpP] [iI] [bB];

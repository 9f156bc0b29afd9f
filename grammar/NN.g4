// The grammar of .nn files. compiler/frontend/ParseTreeBuilder.cpp and
// ExprBuilder.cpp turn its parse trees into the AST of Ast.h, and Parser.cpp
// runs it all; docs/language.md describes the language for users.
//
// The language is newline-insensitive: statements need no separator (an
// optional `;` is allowed). That works because no statement starts with a
// token that could continue the expression before it.
//
// Contextual keywords (`step`, `updates`, `on`, `state`, `data`, `train`,
// `optimizer`, `model`) are also plain names (rule `name`), so `b1 ^ step` and
// `optimizer = adam()` read naturally. Truly reserved: fn import param return
// if else and or not true false for in (`param` is also an expression in
// optimizer bodies: the parameter being updated).
grammar NN;

// ---------------------------------------------------------------- files

file : topItem* EOF ;

topItem
  : importDecl
  | fnDecl
  | modelDecl
  | optimizerDecl
  | dataDecl
  | trainDecl
  | ';'
  ;

// import std | import layers.extra | import "path/to/file.nn"
importDecl : 'import' (dottedName | STRING) ;
dottedName : name ('.' name)* ;

// ---------------------------------------------------------------- declarations

// fn dense(x: f32[B, I], units: int) -> f32[B, units] { ... }
// fn sigmoid(x) = 1 / (1 + exp(-x))
fnDecl : 'fn' name '(' paramList? ')' ('->' type)? ('=' expr | block) ;

// model Classifier(x: f32[B, 784]) -> f32[B, 10] { ... }
modelDecl : 'model' name '(' paramList? ')' ('->' type)? block ;

// optimizer adam(lr = 1e-3) { state m = zeros; param -= ... }
optimizerDecl : 'optimizer' name ('(' paramList? ')')? block ;

// data fashion { train = idx(...); shuffle = true }
dataDecl : 'data' name block ;

// train Classifier on fashion { settings; step NAME { settings } }
trainDecl : 'train' model=name 'on' data=name '{' trainItem* '}' ;
trainItem : stepDecl | stmt ;
stepDecl : 'step' name block ;

paramList : param (',' param)* ','? ;
param : name (':' type)? ('=' expr)? ;

block : '{' stmt* '}' ;

// ---------------------------------------------------------------- statements

stmt
  : 'param' name ':' type ('=' expr)?                          # paramStmt
  | 'param' updateOp expr                                       # paramUpdateStmt
  | 'state' stateEntry (',' stateEntry)*                        # stateStmt
  | 'return' expr (',' expr)*                                   # returnStmt
  // Unrolled at compile time: the body runs once per element of the list.
  | 'for' name 'in' expr block                                  # forStmt
  | name ':' type '=' expr                                      # typedAssignStmt
  | targets+=name (',' targets+=name)* '=' expr
    ('updates' updated+=name (',' updated+=name)*)?           # assignStmt
  | name updateOp expr                                          # updateStmt
  | ';'                                                         # emptyStmt
  ;

stateEntry : name '=' expr ;
updateOp : '-=' | '+=' | '*=' | '/=' ;

// ---------------------------------------------------------------- types

// f32[B, 784] | f32 | int | float | bool | string | (f32[B, H], f32[B, H])
type
  : name ('[' (dimExpr (',' dimExpr)*)? ']')?                   # namedType
  | '(' type (',' type)+ ')'                                    # tupleType
  ;

// A dimension: a shape variable, a number, or arithmetic on them.
dimExpr
  : op=('-' | '+') dimExpr                                      # dimUnary
  | dimExpr op=('*' | '/') dimExpr                              # dimBinary
  | dimExpr op=('+' | '-') dimExpr                              # dimBinary
  | INT                                                         # dimInt
  | name                                                        # dimName
  | '(' dimExpr ')'                                             # dimParen
  ;

// ---------------------------------------------------------------- expressions

// `a if c else b`, the lowest precedence; it nests to the right.
expr : value=binExpr ('if' condition=binExpr 'else' otherwise=expr)? ;

// Everything else, highest precedence first. ANTLR turns this left-recursive
// rule into precedence climbing: binary operators loop instead of recursing.
// `-x^2` is `-(x^2)`; `2^-1` is allowed; `not a == b` is `not (a == b)`.
// nameExpr spells out rule `name` to save a parse tree node on the most
// common expression of all.
binExpr
  : binExpr '.' name                                            # memberExpr
  | binExpr '(' argList? ')'                                    # callExpr
  | binExpr '[' indexList ']'                                   # indexExpr
  | <assoc=right> binExpr op='^' binExpr                        # binaryExpr
  | op=('-' | '+') binExpr                                      # unaryExpr
  | binExpr op=('*' | '/' | '@') binExpr                        # binaryExpr
  | binExpr op=('+' | '-') binExpr                              # binaryExpr
  | binExpr op=('==' | '!=' | '<' | '<=' | '>' | '>=') binExpr  # binaryExpr
  | op='not' binExpr                                            # unaryExpr
  | binExpr op='and' binExpr                                    # binaryExpr
  | binExpr op='or' binExpr                                     # binaryExpr
  | INT                                                         # intExpr
  | FLOAT                                                       # floatExpr
  | STRING                                                      # stringExpr
  | ('true' | 'false')                                          # boolExpr
  | nameToken=(ID | 'step' | 'updates' | 'on' | 'state' | 'data' | 'train' | 'optimizer' | 'model')
                                                                # nameExpr
  | 'param'                                                     # paramExpr
  | '[' (expr (',' expr)* ','?)? ']'                            # listExpr
  // `(a)` is a parenthesized expression, `(a,)` and `(a, b)` are tuples. One
  // alternative for both, so telling them apart needs no lookahead.
  | '(' expr (',' (expr (',' expr)* ','?)?)? ')'                # parenExpr
  ;

argList : arg (',' arg)* ','? ;
arg : (name '=')? expr ;

indexList : indexItem (',' indexItem)* ;
indexItem
  : '...'                                                       # ellipsisItem
  | lo=expr (':' hi=expr? (':' stride=expr?)?)?                 # exprItem
  | ':' hi=expr? (':' stride=expr?)?                            # sliceItem
  ;

// Keep in step with nameExpr above.
name : ID | 'step' | 'updates' | 'on' | 'state' | 'data' | 'train' | 'optimizer' | 'model' ;

// ---------------------------------------------------------------- tokens

// Literal tokens get names so Parser.cpp can refer to them; the parser rules
// above spell them as literals for readability.
KW_FN : 'fn' ;
KW_MODEL : 'model' ;
KW_OPTIMIZER : 'optimizer' ;
KW_DATA : 'data' ;
KW_TRAIN : 'train' ;
KW_ON : 'on' ;
KW_STEP : 'step' ;
KW_IMPORT : 'import' ;
KW_PARAM : 'param' ;
KW_STATE : 'state' ;
KW_RETURN : 'return' ;
KW_UPDATES : 'updates' ;
KW_IF : 'if' ;
KW_ELSE : 'else' ;
KW_AND : 'and' ;
KW_OR : 'or' ;
KW_NOT : 'not' ;
KW_TRUE : 'true' ;
KW_FALSE : 'false' ;
KW_FOR : 'for' ;
KW_IN : 'in' ;

LPAREN : '(' ;
RPAREN : ')' ;
LBRACK : '[' ;
RBRACK : ']' ;
LBRACE : '{' ;
RBRACE : '}' ;
COMMA : ',' ;
SEMI : ';' ;
COLON : ':' ;
DOT : '.' ;
ELLIPSIS : '...' ;
ARROW : '->' ;
ASSIGN : '=' ;
SUB_ASSIGN : '-=' ;
ADD_ASSIGN : '+=' ;
MUL_ASSIGN : '*=' ;
DIV_ASSIGN : '/=' ;
PLUS : '+' ;
MINUS : '-' ;
STAR : '*' ;
SLASH : '/' ;
AT : '@' ;
CARET : '^' ;
EQ : '==' ;
NE : '!=' ;
LT : '<' ;
LE : '<=' ;
GT : '>' ;
GE : '>=' ;

INT : DIGIT+ ;
FLOAT
  : DIGIT+ '.' DIGIT* EXPONENT?
  | '.' DIGIT+ EXPONENT?
  | DIGIT+ EXPONENT
  ;
STRING : '"' STRING_CHAR* '"' ;
// A string missing its closing quote on its line. Parser.cpp reports it and
// parses on as if it were closed.
UNTERMINATED_STRING : '"' STRING_CHAR* ;
ID : [A-Za-z_] [A-Za-z0-9_]* ;

COMMENT : '#' ~[\r\n]* -> skip ;
WS : [ \t\r\n\f\uFEFF]+ -> skip ;

// Anything else: Parser.cpp reports it and the parser never sees it.
INVALID_CHAR : . -> channel(HIDDEN) ;

fragment DIGIT : [0-9] ;
fragment EXPONENT : [eE] [+-]? DIGIT+ ;
fragment STRING_CHAR : ~["\\\r\n] | '\\' ~[\r\n] ;

"""The shell grammar's word patterns, as text: shared by the grammar and the fast path.

A shell word nests: double quotes hold ``$(...)``, which holds quotes and more
``$(...)``. Python's ``re`` has no recursion, so the pattern tracks only what
decides where a word ends: balanced parentheses (unrolled to :data:`DEPTH`
levels) and quoted strings, which pair up inside a substitution whatever they
contain. The pattern grows linearly with the depth, which keeps the contextual
lexer's per-state regexes small and quick to compile. Alternatives start with
distinct characters, so a failing match backtracks in linear time.

Deeper nesting, or a ``)`` of a ``case`` pattern inside ``$(...)``, fails to lex:
the parser then falls back to the simple tokenizer for that part.

This module imports nothing: the fast path (:mod:`.fastpath`) uses these
patterns without loading Lark.
"""

from __future__ import annotations

#: Levels of parentheses inside ``$(...)`` the word pattern balances. Each level
#: makes every lexer state's regex bigger, hence slower to compile on first use.
DEPTH = 4

# A backslash escapes the next character; at the very end it is literal.
_ESC = r"\\[\s\S]|\\\Z"
_SQ = r"'[^']*'"
_SIMPLE_DQ = r'"(?:[^"\\]|\\[\s\S])*"'
_ANSI = r"\$'(?:[^'\\]|\\[\s\S])*'"
_BQ = r"`(?:[^`\\]|\\[\s\S])*`"
# Characters of an unquoted word: all but blanks, operators, quotes, `\`, `` ` `` and `$`.
# Only space, tab and newline are blanks to the shell (\r too here, for CRLF files).
_PLAIN = r"[^ \t\r\n|&;()<>'\"\\`$]"
# `case ... esac` inside $( ): its patterns' `)` do not close anything.
CASE_PATTERN = (r"(?<![A-Za-z0-9_-])case[ \t\n](?:[^e'\"\\`]|e(?!sac(?![A-Za-z0-9_-]))|'[^']*'"
         r"|\"(?:[^\"\\]|\\[\s\S])*\"|\\[\s\S]|`(?:[^`\\]|\\[\s\S])*`)*esac(?![A-Za-z0-9_-])")


#: What a `#` that starts a word follows: a blank or an operator character.
BEFORE_COMMENT = " \t\r\n;&|()<>"
# The same as a regex class, written with escapes (the grammar's patterns hold no raw line breaks).
_BEFORE_COMMENT_CLASS = "[" + "".join({"\t": r"\t", "\r": r"\r", "\n": r"\n"}.get(c, c) for c in BEFORE_COMMENT) + "]"
# A `#` inside $( ): where it starts a word it starts a comment, which runs to the end of the line,
# `)` included (`$(date # now)` is not closed, to bash and dash alike); elsewhere it is a character
# (`$(echo a#b ${#x})`). The lookahead keeps backtracking from ending the comment early.
HASH_IN_PARENS = (f"#(?:(?<={_BEFORE_COMMENT_CLASS}#)" + r"[^\n]*(?![^\n])"
                  + f"|(?<!{_BEFORE_COMMENT_CLASS}#))")
#: A character inside $( ) that is plain text there, or a `#` (:data:`HASH_IN_PARENS`).
PLAIN_IN_PARENS = r"[^()'\"\\`#]|" + HASH_IN_PARENS


def _alt(*parts: str) -> str:
    return "(?:" + "|".join(parts) + ")"


# ${...}: a `{` inside opens nothing (the first `}` ends `${X:-{a}`, in bash and dash); a `${...}` does.
_PARAM = r"\$\{" + _alt(r"[^}'\"\\$]", r"\$(?!\{)", _ESC, _SQ, _SIMPLE_DQ, r"\$\{[^}]*\}") + r"*\}"


def _in_parens(depth: int, top: bool = True) -> str:
    """One piece of the text between ``(`` and its ``)``: a ``${...}`` is one (a ``#`` or ``)`` in it
    is text, as in bash), and so on."""
    case = [CASE_PATTERN] if top else []  # `case` directly inside $( ), the common idiom
    if depth == 0:
        return _alt(*case, _PARAM, PLAIN_IN_PARENS)
    return _alt(*case, _PARAM, PLAIN_IN_PARENS, _ESC, _SQ, _SIMPLE_DQ, _BQ,
                r"\(" + _in_parens(depth - 1, False) + r"*\)")


_SUBST = r"\$\(" + _in_parens(DEPTH) + r"*\)"  # also $(( ))
_DQ = '"' + _alt(r'[^"\\`$]', _ESC, _BQ, _SUBST, _PARAM, r"\$") + '*"'
_PROCSUB = r"[<>]\(" + _in_parens(2) + r"*\)"  # <(seq $((N + 1))): two levels inside
WORD_ATOM = _alt(_PLAIN, _ESC, _SQ, _ANSI, _DQ, _BQ, _SUBST, _PARAM, r"\$", _PROCSUB)
# A word never starts with `#`: there it starts a comment.
WORD_PATTERN = "(?!#)" + WORD_ATOM + "+"
ASSIGNMENT_PATTERN = (r"[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]\s]*\])?\+?="
                      + _alt(r"\((?:[^()'\"\\]|\\[\s\S]|'[^']*'|" + _SIMPLE_DQ + r")*\)", WORD_ATOM + "*"))
# `2>`: a number directly in front of a redirection operator is its fd; not in front of `<(` or `>(`,
# which starts a process substitution inside the word (bash reads `2<(cmd)` as one word).
IO_NUMBER_PATTERN = r"[0-9]+(?=[<>](?!\())"
ARITH_PATTERN = r"\(\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)\)"

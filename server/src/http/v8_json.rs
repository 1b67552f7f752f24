//! The message Node's `JSON.parse` (V8) gives for a malformed document, which Express's body parser passes on
//! to clients. Only called once serde_json has refused the text: this walks it as V8's parser does and reports
//! the first error in V8's words, positions counted in UTF-16 code units.

const CONTEXT: usize = 10;
const MIN_LENGTH_FOR_CONTEXT: usize = CONTEXT * 2 + 1;

struct Parser {
    text: Vec<u16>,
    pos: usize,
}

type Failure = String;

#[derive(Clone, Copy)]
enum Container {
    Object,
    Array,
}

/// V8's message for a text that is not valid JSON; `None` when `JSON.parse` would accept it.
pub fn syntax_error(text: &str) -> Option<String> {
    let mut parser = Parser {
        text: text.encode_utf16().collect(),
        pos: 0,
    };
    parser.document().err()
}

/// `Unexpected token 'c', "<source>" is not valid JSON`, for the code unit at `pos` (also used for
/// body-parser's strict-mode refusal of a document that is not an object or an array).
pub fn unexpected_token(text: &str, pos: usize) -> String {
    let units: Vec<u16> = text.encode_utf16().collect();
    Parser { text: units, pos }.unexpected_token()
}

impl Parser {
    fn peek(&self) -> Option<u16> {
        self.text.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(0x20 | 0x09 | 0x0a | 0x0d)) {
            self.pos += 1;
        }
    }

    fn at(&self, message: &str) -> Failure {
        format!("{message} in JSON at position {}", self.pos)
    }

    fn document(&mut self) -> Result<(), Failure> {
        self.value()?;
        self.skip_whitespace();
        if self.peek().is_some() {
            return Err(format!(
                "Unexpected non-whitespace character after JSON at position {}",
                self.pos
            ));
        }
        Ok(())
    }

    /// One value, walked with an explicit stack of open containers (as V8's parser does), so that any depth of
    /// nesting costs heap, never call stack.
    fn value(&mut self) -> Result<(), Failure> {
        let mut open: Vec<Container> = Vec::new();
        loop {
            self.skip_whitespace();
            match self.peek() {
                None => return Err("Unexpected end of JSON input".into()),
                Some(0x7b) => {
                    self.pos += 1;
                    self.skip_whitespace();
                    if self.peek() == Some(0x7d) {
                        self.pos += 1;
                    } else {
                        self.property_name(true)?;
                        open.push(Container::Object);
                        continue;
                    }
                }
                Some(0x5b) => {
                    self.pos += 1;
                    self.skip_whitespace();
                    if self.peek() == Some(0x5d) {
                        self.pos += 1;
                    } else {
                        open.push(Container::Array);
                        continue;
                    }
                }
                Some(0x22) => self.string()?,
                Some(c) if c == u16::from(b'-') || (0x30..=0x39).contains(&c) => self.number()?,
                Some(0x74) => self.literal("true")?,
                Some(0x66) => self.literal("false")?,
                Some(0x6e) => self.literal("null")?,
                Some(_) => return Err(self.unexpected_token()),
            }
            // A value is complete: close every container it completes, up to the next element.
            loop {
                let Some(container) = open.last() else {
                    return Ok(());
                };
                self.skip_whitespace();
                let (close, expected) = match container {
                    Container::Object => (0x7d, "Expected ',' or '}' after property value"),
                    Container::Array => (0x5d, "Expected ',' or ']' after array element"),
                };
                match self.peek() {
                    Some(0x2c) => {
                        self.pos += 1;
                        if let Container::Object = container {
                            self.property_name(false)?;
                        }
                        break;
                    }
                    Some(c) if c == close => {
                        self.pos += 1;
                        open.pop();
                    }
                    _ => return Err(self.at(expected)),
                }
            }
        }
    }

    /// `"name":` inside an object, up to the value.
    fn property_name(&mut self, first: bool) -> Result<(), Failure> {
        self.skip_whitespace();
        if self.peek() != Some(0x22) {
            return Err(self.at(if first {
                "Expected property name or '}'"
            } else {
                "Expected double-quoted property name"
            }));
        }
        self.string()?;
        self.skip_whitespace();
        if self.peek() != Some(0x3a) {
            return Err(self.at("Expected ':' after property name"));
        }
        self.pos += 1;
        Ok(())
    }

    fn string(&mut self) -> Result<(), Failure> {
        self.pos += 1;
        loop {
            match self.peek() {
                None => return Err(self.at("Unterminated string")),
                Some(0x22) => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(c) if c < 0x20 => {
                    return Err(self.at("Bad control character in string literal"));
                }
                Some(0x5c) => {
                    self.pos += 1;
                    match self.peek() {
                        Some(0x22 | 0x5c | 0x2f | 0x62 | 0x66 | 0x6e | 0x72 | 0x74) => {
                            self.pos += 1
                        }
                        Some(0x75) => {
                            self.pos += 1;
                            for _ in 0..4 {
                                if !self.peek().is_some_and(|c| {
                                    char::from_u32(c.into()).is_some_and(|c| c.is_ascii_hexdigit())
                                }) {
                                    return Err(self.at("Bad Unicode escape"));
                                }
                                self.pos += 1;
                            }
                        }
                        None => return Err(self.at("Unterminated string")),
                        Some(_) => return Err(self.at("Bad escaped character")),
                    }
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    fn digit(&self) -> bool {
        self.peek().is_some_and(|c| (0x30..=0x39).contains(&c))
    }

    fn number(&mut self) -> Result<(), Failure> {
        if self.peek() == Some(u16::from(b'-')) {
            self.pos += 1;
            if !self.digit() {
                return Err(self.at("No number after minus sign"));
            }
        }
        if self.peek() == Some(0x30) {
            self.pos += 1;
            if self.digit() {
                return Err(self.at("Unexpected number"));
            }
        } else {
            while self.digit() {
                self.pos += 1;
            }
        }
        if self.peek() == Some(u16::from(b'.')) {
            self.pos += 1;
            if !self.digit() {
                return Err(self.at("Unterminated fractional number"));
            }
            while self.digit() {
                self.pos += 1;
            }
        }
        if matches!(self.peek(), Some(0x65 | 0x45)) {
            self.pos += 1;
            if matches!(self.peek(), Some(0x2b | 0x2d)) {
                self.pos += 1;
            }
            if !self.digit() {
                return Err(self.at("Exponent part is missing a number"));
            }
            while self.digit() {
                self.pos += 1;
            }
        }
        Ok(())
    }

    fn literal(&mut self, word: &str) -> Result<(), Failure> {
        for expected in word.encode_utf16() {
            match self.peek() {
                None => return Err("Unexpected end of JSON input".into()),
                Some(c) if c == expected => self.pos += 1,
                Some(_) => return Err(self.unexpected_token()),
            }
        }
        Ok(())
    }

    fn unexpected_token(&self) -> Failure {
        let token =
            String::from_utf16_lossy(&self.text[self.pos..(self.pos + 1).min(self.text.len())]);
        let length = self.text.len();
        let slice =
            |from: usize, to: usize| String::from_utf16_lossy(&self.text[from..to.min(length)]);
        let source = if length < MIN_LENGTH_FOR_CONTEXT {
            format!("\"{}\"", slice(0, length))
        } else if self.pos < CONTEXT {
            format!("\"{}\"...", slice(0, self.pos + CONTEXT))
        } else if self.pos < length - CONTEXT {
            format!(
                "...\"{}\"...",
                slice(self.pos - CONTEXT, self.pos + CONTEXT)
            )
        } else {
            format!("...\"{}\"", slice(self.pos - CONTEXT, length))
        };
        format!("Unexpected token '{token}', {source} is not valid JSON")
    }
}

#[cfg(test)]
mod tests {
    use super::syntax_error;

    fn message(text: &str) -> String {
        syntax_error(text).expect("V8 refuses this text")
    }

    /// Each pair was printed by Node 20's `JSON.parse`.
    #[test]
    fn matches_node_20() {
        let cases = [
            ("{", "Expected property name or '}' in JSON at position 1"),
            ("[", "Unexpected end of JSON input"),
            (
                "{\"a\":1,",
                "Expected double-quoted property name in JSON at position 7",
            ),
            (
                "{\"a\"",
                "Expected ':' after property name in JSON at position 4",
            ),
            ("{\"a\":", "Unexpected end of JSON input"),
            (
                "[1",
                "Expected ',' or ']' after array element in JSON at position 2",
            ),
            (
                "{\"a\":1",
                "Expected ',' or '}' after property value in JSON at position 6",
            ),
            ("\"abc", "Unterminated string in JSON at position 4"),
            ("nul", "Unexpected end of JSON input"),
            (
                "{\"a\":tru}",
                "Unexpected token '}', \"{\"a\":tru}\" is not valid JSON",
            ),
            (
                "{\"a\":1}}",
                "Unexpected non-whitespace character after JSON at position 7",
            ),
            ("[1,]", "Unexpected token ']', \"[1,]\" is not valid JSON"),
            ("{\"a\":01}", "Unexpected number in JSON at position 6"),
            (
                "{\"a\":\"\\x\"}",
                "Bad escaped character in JSON at position 7",
            ),
            (
                "{\"a\":\"\u{1}\"}",
                "Bad control character in string literal in JSON at position 6",
            ),
            ("{,}", "Expected property name or '}' in JSON at position 1"),
            (
                "{\"a\":-}",
                "No number after minus sign in JSON at position 6",
            ),
            (
                "{\"a\":1.}",
                "Unterminated fractional number in JSON at position 7",
            ),
            (
                "{\"a\":1e+}",
                "Exponent part is missing a number in JSON at position 8",
            ),
            (
                "{\"a\":\"\\u12x4\"}",
                "Bad Unicode escape in JSON at position 10",
            ),
            (
                "truex",
                "Unexpected non-whitespace character after JSON at position 4",
            ),
            (
                "{\"a\":1, x}",
                "Expected double-quoted property name in JSON at position 8",
            ),
            (
                "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,x]",
                "Unexpected token 'x', ...\"1,1,1,1,1,x]\" is not valid JSON",
            ),
            (
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                "Unexpected token 'x', \"xxxxxxxxxx\"... is not valid JSON",
            ),
            (
                "{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":x}",
                "Unexpected token 'x', ...\"aaaaaaaa\":x}\" is not valid JSON",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(message(text), expected, "{text}");
        }
    }
}

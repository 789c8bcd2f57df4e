//! Operation-specific content (Inhoud), checked XML fragments, and the deck's CRUD conventions.

use std::fmt;
use std::sync::Arc;

use crate::xml::{Document, Element, ExcC14n, WriteError, XmlWriter};

use super::error::{ModelError, Reason};
use super::read::ElementCursor;
use super::values::ObjectId;

/// An element owned together with the document our reader parsed it into.
///
/// It can only be made by parsing (a caller's fragment wrapped in its element, or a copy
/// of an element of another document), so it is always well-formed and namespace-correct.
/// Equality is on the exclusive canonical form (without comments).
#[derive(Clone)]
pub(crate) struct Fragment {
    doc: Arc<Document>,
    canonical: Arc<[u8]>,
}

impl Fragment {
    /// Parses `<wrapper>` + `fragment` + `</wrapper>`. Anything that closes the wrapper
    /// early, leaves elements open, or is not well-formed fails.
    fn from_wrapped(wrapper: &'static str, field: &'static str, fragment: &str) -> Result<Self, ModelError> {
        let text = format!("<{wrapper}>{fragment}</{wrapper}>");
        let doc = Document::parse(text.as_bytes()).map_err(|error| ModelError::Fragment { field, error })?;
        Self::from_document(doc, wrapper, field)
    }

    /// Copies `el` (with the namespace declarations its names need) into a new document.
    fn from_element(el: Element<'_>, wrapper: &'static str, field: &'static str) -> Result<Self, ModelError> {
        let mut w = XmlWriter::new();
        w.copy_element(el)?;
        let bytes = w.finish()?;
        let doc = Document::parse(&bytes).map_err(|error| ModelError::Fragment { field, error })?;
        Self::from_document(doc, wrapper, field)
    }

    /// Writes `<wrapper>` and lets `body` write its content.
    fn from_writer(
        wrapper: &'static str,
        field: &'static str,
        body: impl FnOnce(&mut XmlWriter) -> Result<(), WriteError>,
    ) -> Result<Self, ModelError> {
        let mut w = XmlWriter::new();
        w.start_element(None, wrapper)?;
        body(&mut w)?;
        w.end_element()?;
        let bytes = w.finish()?;
        let doc = Document::parse(&bytes).map_err(|error| ModelError::Fragment { field, error })?;
        Self::from_document(doc, wrapper, field)
    }

    fn from_document(doc: Document, wrapper: &'static str, field: &'static str) -> Result<Self, ModelError> {
        let root = doc.root();
        if !root.is(None, wrapper) {
            return Err(ModelError::UnexpectedElement {
                expected: wrapper.to_owned(),
                found: root.expanded_name(),
                path: String::new(),
            });
        }
        let canonical =
            ExcC14n::new().canonicalize(root).map_err(|e| ModelError::invalid(field, Reason::Other(e.to_string())))?;
        Ok(Fragment { canonical: canonical.into(), doc: Arc::new(doc) })
    }

    fn root(&self) -> Element<'_> {
        self.doc.root()
    }

    fn write(&self, w: &mut XmlWriter) -> Result<(), WriteError> {
        w.copy_element(self.doc.root())?;
        Ok(())
    }
}

impl PartialEq for Fragment {
    fn eq(&self, other: &Self) -> bool {
        self.canonical == other.canonical
    }
}
impl Eq for Fragment {}

impl fmt::Debug for Fragment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.canonical))
    }
}

/// Typed operation-specific content that writes and reads itself through the crate's
/// XML writer and reader.
///
/// `write_inhoud` writes the *content* of `<Inhoud>` (the model writes the element
/// itself); `read_inhoud` gets the `<Inhoud>` element. Content elements are usually
/// unqualified, like the rest of the message; [`ElementCursor`] reads them in order.
pub trait InhoudContent: Sized {
    /// Writes the children of `<Inhoud>`.
    fn write_inhoud(&self, w: &mut XmlWriter) -> Result<(), WriteError>;
    /// Reads the value back from the `<Inhoud>` element.
    fn read_inhoud(inhoud: Element<'_>) -> Result<Self, ModelError>;
}

/// The Inhoud of a Vraag or Antwoord: a checked `<Inhoud>` element, stored type-erased.
///
/// Make it from typed content ([`from_content`](Self::from_content)), from an XML fragment
/// supplied as a string ([`from_fragment`](Self::from_fragment), parsed by the crate's strict
/// reader, never spliced in as text), or from an element of a parsed message. It is written
/// with [`XmlWriter::copy_element`]. Two values are equal when their exclusive canonical
/// forms are equal.
#[derive(Clone, PartialEq, Eq)]
pub struct Inhoud(Fragment);

impl fmt::Debug for Inhoud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Inhoud({:?})", self.0)
    }
}

impl Inhoud {
    /// `<Inhoud/>`: content-less (e.g. the answer to a successful Verwijder).
    pub fn empty() -> Self {
        // A constant, well-formed input: this cannot fail.
        Inhoud(Fragment::from_wrapped("Inhoud", "Inhoud", "").expect("<Inhoud></Inhoud> is well-formed"))
    }

    /// Typed content, written through [`InhoudContent::write_inhoud`].
    pub fn from_content<T: InhoudContent>(content: &T) -> Result<Self, ModelError> {
        Fragment::from_writer("Inhoud", "Inhoud", |w| content.write_inhoud(w)).map(Inhoud)
    }

    /// The content of `<Inhoud>` given as XML text (elements, text, comments; any
    /// namespaces it declares itself). It is parsed as `<Inhoud>` + `fragment` + `</Inhoud>`
    /// by the strict reader: no DOCTYPE, entities or processing instructions, nothing that
    /// closes the wrapper early, every prefix declared.
    pub fn from_fragment(fragment: &str) -> Result<Self, ModelError> {
        Fragment::from_wrapped("Inhoud", "Inhoud", fragment).map(Inhoud)
    }

    /// Copies the `<Inhoud>` element of a parsed message.
    ///
    /// Names keep their namespaces. Namespace declarations that only text content relies
    /// on (QNames in text, e.g. `xsi:type` values) are carried along only if they are
    /// written on the copied elements themselves.
    pub fn from_element(inhoud: Element<'_>) -> Result<Self, ModelError> {
        Fragment::from_element(inhoud, "Inhoud", "Inhoud").map(Inhoud)
    }

    /// Reads typed content.
    pub fn decode<T: InhoudContent>(&self) -> Result<T, ModelError> {
        T::read_inhoud(self.element())
    }

    /// The `<Inhoud>` element.
    pub fn element(&self) -> Element<'_> {
        self.0.root()
    }

    /// The exclusive canonical form of `<Inhoud>` (without comments).
    pub fn canonical(&self) -> &[u8] {
        &self.0.canonical
    }

    /// Writes `<Inhoud>…</Inhoud>`.
    pub fn write(&self, w: &mut XmlWriter) -> Result<(), WriteError> {
        self.0.write(w)
    }

    /// `<Inhoud><ObjectID>id</ObjectID></Inhoud>`: the answer to an Aanmaak.
    pub fn object_id(id: &ObjectId) -> Result<Self, ModelError> {
        Fragment::from_writer("Inhoud", "Inhoud", |w| {
            w.text_element(None, OBJECT_ID, id.as_str())?;
            Ok(())
        })
        .map(Inhoud)
    }

    /// Reads the ObjectID of an Inhoud that carries only one (see [`object_id`](Self::object_id)).
    pub fn read_object_id(&self) -> Result<ObjectId, ModelError> {
        let mut c = ElementCursor::new_allowing_attributes(self.element(), "Inhoud")?;
        let id = c.required_text(OBJECT_ID)?;
        c.finish()?;
        ObjectId::new(&id)
    }
}

/// The SOAP Fault `detail`: a checked `<detail>` element (any content).
#[derive(Clone, PartialEq, Eq)]
pub struct Detail(Fragment);

impl fmt::Debug for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Detail({:?})", self.0)
    }
}

impl Detail {
    /// The content of `<detail>` as XML text, parsed like [`Inhoud::from_fragment`].
    pub fn from_fragment(fragment: &str) -> Result<Self, ModelError> {
        Fragment::from_wrapped("detail", "detail", fragment).map(Detail)
    }

    /// `<detail><message>text</message></detail>`, as MAGDA writes it.
    pub fn message(text: &str) -> Result<Self, ModelError> {
        super::values::check_xml_chars("detail/message", text)?;
        Fragment::from_writer("detail", "detail", |w| {
            w.text_element(None, "message", text)?;
            Ok(())
        })
        .map(Detail)
    }

    /// Copies the `<detail>` element of a parsed Fault.
    pub fn from_element(detail: Element<'_>) -> Result<Self, ModelError> {
        Fragment::from_element(detail, "detail", "detail").map(Detail)
    }

    /// The `<detail>` element.
    pub fn element(&self) -> Element<'_> {
        self.0.root()
    }

    /// The text of `detail/message` if the detail has that MAGDA shape.
    pub fn message_text(&self) -> Option<String> {
        self.element().child_elements().find(|e| e.is(None, "message")).map(|e| e.text())
    }

    /// Writes `<detail>…</detail>`.
    pub fn write(&self, w: &mut XmlWriter) -> Result<(), WriteError> {
        self.0.write(w)
    }
}

/// Element name of the ObjectID in CRUD content.
pub const OBJECT_ID: &str = "ObjectID";

/// The four actions of the deck's CRUD conventions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CrudActie {
    /// Create: the object without ObjectID; the answer carries the new ObjectID.
    Aanmaak,
    /// Read: only the ObjectID.
    Raadpleeg,
    /// Update: the whole object with its ObjectID.
    Wijzig,
    /// Delete: only the ObjectID.
    Verwijder,
}

impl CrudActie {
    /// Whether this is a read. Reads are not kept by the answer store (SPEC 5).
    pub fn is_read(self) -> bool {
        self == CrudActie::Raadpleeg
    }
}

/// An object that CRUD content carries, written as one element `<ELEMENT>` inside Inhoud.
pub trait CrudObject: Sized {
    /// Local name of the object's element, e.g. `"Inschrijving"`.
    const ELEMENT: &'static str;
    /// Writes the children of `<ELEMENT>`.
    fn write_fields(&self, w: &mut XmlWriter) -> Result<(), WriteError>;
    /// Reads the object from its `<ELEMENT>`.
    fn read_fields(el: Element<'_>) -> Result<Self, ModelError>;
}

/// A CRUD request's Inhoud following the deck's conventions:
/// `<Inhoud>[<ObjectID>…</ObjectID>][<ELEMENT>…</ELEMENT>]</Inhoud>`, where Aanmaak has only the
/// object, Raadpleeg and Verwijder only the ObjectID, and Wijzig both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Crud<T> {
    /// Create `T`; the answer returns its ObjectID ([`Inhoud::object_id`]).
    Aanmaak(T),
    /// Read the object with this id.
    Raadpleeg(ObjectId),
    /// Replace the object with this id by `T`.
    Wijzig(ObjectId, T),
    /// Delete the object with this id.
    Verwijder(ObjectId),
}

impl<T: CrudObject> Crud<T> {
    /// Which action this is.
    pub fn actie(&self) -> CrudActie {
        match self {
            Crud::Aanmaak(_) => CrudActie::Aanmaak,
            Crud::Raadpleeg(_) => CrudActie::Raadpleeg,
            Crud::Wijzig(..) => CrudActie::Wijzig,
            Crud::Verwijder(_) => CrudActie::Verwijder,
        }
    }

    /// Whether this is a read (Raadpleeg).
    pub fn is_read(&self) -> bool {
        self.actie().is_read()
    }

    /// The ObjectID, except for Aanmaak.
    pub fn object_id(&self) -> Option<&ObjectId> {
        match self {
            Crud::Aanmaak(_) => None,
            Crud::Raadpleeg(id) | Crud::Wijzig(id, _) | Crud::Verwijder(id) => Some(id),
        }
    }

    /// The object, for Aanmaak and Wijzig.
    pub fn object(&self) -> Option<&T> {
        match self {
            Crud::Aanmaak(o) | Crud::Wijzig(_, o) => Some(o),
            Crud::Raadpleeg(_) | Crud::Verwijder(_) => None,
        }
    }

    /// Writes the Inhoud.
    pub fn to_inhoud(&self) -> Result<Inhoud, ModelError> {
        Fragment::from_writer("Inhoud", "Inhoud", |w| {
            if let Some(id) = self.object_id() {
                w.text_element(None, OBJECT_ID, id.as_str())?;
            }
            if let Some(o) = self.object() {
                w.start_element(None, T::ELEMENT)?;
                o.write_fields(w)?;
                w.end_element()?;
            }
            Ok(())
        })
        .map(Inhoud)
    }

    /// Reads an Inhoud as the given action (the operation tells which: Raadpleeg and
    /// Verwijder look the same on the wire).
    pub fn from_inhoud(actie: CrudActie, inhoud: &Inhoud) -> Result<Self, ModelError> {
        let mut c = ElementCursor::new_allowing_attributes(inhoud.element(), "Inhoud")?;
        let id = match actie {
            CrudActie::Aanmaak => None,
            _ => Some(ObjectId::new(&c.required_text(OBJECT_ID)?)?),
        };
        let obj = match actie {
            CrudActie::Aanmaak | CrudActie::Wijzig => Some(T::read_fields(c.required(T::ELEMENT)?)?),
            _ => None,
        };
        c.finish()?;
        Ok(match (actie, id, obj) {
            (CrudActie::Aanmaak, _, Some(o)) => Crud::Aanmaak(o),
            (CrudActie::Raadpleeg, Some(id), _) => Crud::Raadpleeg(id),
            (CrudActie::Wijzig, Some(id), Some(o)) => Crud::Wijzig(id, o),
            (CrudActie::Verwijder, Some(id), _) => Crud::Verwijder(id),
            _ => return Err(ModelError::MissingElement { expected: OBJECT_ID, path: "Inhoud".into() }),
        })
    }
}

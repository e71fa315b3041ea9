fn main() {
    let p = std::env::args().nth(1).unwrap();
    let s = std::fs::read_to_string(&p).unwrap();
    match clerkmap::syntax::parse(&s) {
        Ok(f) => println!("{:#?}", f.items.len()),
        Err(d) => print!("{}", d.render(&clerkmap::diagnostic::SourceFile::new(p, s.clone()), false)),
    }
}

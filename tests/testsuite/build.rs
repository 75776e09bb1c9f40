//! The build pipeline end to end.

use crate::harness::SiteTest;

#[test]
fn minimal_site_builds_pretty_urls_under_base_path() {
    let t = SiteTest::from_fixture("minimal");
    t.build();
    let main = t.main_of("hello/index.html");
    assert!(
        main.contains("<h2 id=\"first-part\">First part</h2>"),
        "{main}"
    );
    assert!(main.contains("href=\"#second-part\""), "{main}");
    let html = t.read("hello/index.html");
    assert!(html.contains("<link rel=\"stylesheet\" href=\"/skin/css/careleaf.css\">"));
    assert!(t.out().join(".nojekyll").exists());
    assert!(t.out().join("404.html").exists());
}

#[test]
fn example_site_builds_without_errors() {
    let t = SiteTest::example_site();
    t.build();
    assert!(t.read("index.html").contains("<h1>"));
}

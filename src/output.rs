//! Writing report and baseline files: never over a file the run has read, and
//! atomically, so a reader (or a crash) sees the old file or the new one, never
//! half of one.

use std::io::Write;
use std::path::Path;

/// Of the files a run has `read`, the one `target` names (compared by canonical
/// path, so `./a/../b.json` and a symbolic link count); `None` when `target`
/// does not exist yet or is none of them.
pub fn read_by_the_run<'a>(
    target: &Path,
    read: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let target = std::fs::canonicalize(target).ok()?;
    read.into_iter()
        .find(|p| std::fs::canonicalize(p).is_ok_and(|p| p == target))
}

/// Whether two paths name one file: the same text, or the same canonical path.
pub fn same_file(a: &Path, b: &Path) -> bool {
    a == b || std::fs::canonicalize(a).is_ok_and(|a| std::fs::canonicalize(b).is_ok_and(|b| a == b))
}

/// What went wrong in a write, without the temporary file's path that the
/// `tempfile` crate appends (`… at path "/x/.akslint-Ab12.tmp"`): it names a
/// file the user never asked for and that no longer exists.
pub fn cause(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rsplit_once(" at path \"") {
        Some((cause, path)) if path.contains(TEMP_PREFIX) => cause.to_string(),
        _ => text,
    }
}

/// How the temporary files of [`write_atomically`] start.
const TEMP_PREFIX: &str = ".akslint-";

/// Writes `bytes` to `path` through a temporary file in the same folder, renamed
/// over `path` once complete and synced. The file keeps the permissions of the
/// one it replaces; a new one gets the usual ones (0666 less the umask), not the
/// temporary file's 0600. What is not a regular file (`/dev/stdout`, a pipe)
/// cannot be replaced and is written into.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let existing = std::fs::metadata(path).ok();
    if existing.as_ref().is_some_and(|m| !m.is_file()) {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(path)?;
        file.write_all(bytes)?;
        return file.flush();
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(
            existing
                .map(|m| m.permissions())
                .unwrap_or_else(|| std::fs::Permissions::from_mode(0o666)),
        );
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    // On failure the temporary file is removed when dropped.
    tmp.persist(path).map(drop).map_err(|e| e.error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_whole_files_and_leave_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        write_atomically(&path, b"first, and longer").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
        assert!(write_atomically(dir.path(), b"x").is_err());
        let missing = write_atomically(&dir.path().join("no/such/dir/r.json"), b"x").unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
        assert!(missing.to_string().contains(TEMP_PREFIX), "{missing}");
        assert!(!cause(&missing).contains(TEMP_PREFIX), "{missing}");
    }

    #[cfg(unix)]
    #[test]
    fn permissions_are_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomically(&path, b"new").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }

    #[test]
    fn inputs_are_found_by_canonical_path() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.json");
        std::fs::write(&a, "{}").unwrap();
        let shown = a.to_string_lossy().into_owned();
        let other = dir.path().join("b.json").to_string_lossy().into_owned();
        let read = [other.as_str(), shown.as_str()];
        let roundabout = dir.path().join("sub/../a.json");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        assert_eq!(read_by_the_run(&roundabout, read), Some(shown.as_str()));
        assert_eq!(read_by_the_run(&dir.path().join("new.json"), read), None);
    }
}

//! `ls` from coreutils 9.1: long, human, inode, recursive, sorted and coloured listings of the fake filesystem,
//! one name per line when stdout is not a terminal and GNU's 80-column layout when it is.
//!
//! Also holds the small helpers other file commands share (mode strings, owner names, dates, inode numbers).

use super::{prog, Command, Ctx};
use crate::exec::Session;
use crate::fs::{Kind, Stat};

/// The `ls` command.
pub struct Ls;

/// Debian's default `dircolors` database, as `eval "$(dircolors)"` exports it into `LS_COLORS`.
const DEFAULT_COLORS: &str = "rs=0:di=01;34:ln=01;36:mh=00:pi=40;33:so=01;35:do=01;35:bd=40;33;01:cd=40;33;01:\
or=40;31;01:mi=00:su=37;41:sg=30;43:ca=00:tw=30;42:ow=34;42:st=37;44:ex=01;32:*.tar=01;31:*.tgz=01;31:*.arc=01;31:\
*.arj=01;31:*.taz=01;31:*.lha=01;31:*.lz4=01;31:*.lzh=01;31:*.lzma=01;31:*.tlz=01;31:*.txz=01;31:*.tzo=01;31:\
*.t7z=01;31:*.zip=01;31:*.z=01;31:*.dz=01;31:*.gz=01;31:*.lrz=01;31:*.lz=01;31:*.lzo=01;31:*.xz=01;31:*.zst=01;31:\
*.tzst=01;31:*.bz2=01;31:*.bz=01;31:*.tbz=01;31:*.tbz2=01;31:*.tz=01;31:*.deb=01;31:*.rpm=01;31:*.jar=01;31:\
*.war=01;31:*.ear=01;31:*.sar=01;31:*.rar=01;31:*.alz=01;31:*.ace=01;31:*.zoo=01;31:*.cpio=01;31:*.7z=01;31:\
*.rz=01;31:*.cab=01;31:*.wim=01;31:*.swm=01;31:*.dwm=01;31:*.esd=01;31:*.avif=01;35:*.jpg=01;35:*.jpeg=01;35:\
*.mjpg=01;35:*.mjpeg=01;35:*.gif=01;35:*.bmp=01;35:*.pbm=01;35:*.pgm=01;35:*.ppm=01;35:*.tga=01;35:*.xbm=01;35:\
*.xpm=01;35:*.tif=01;35:*.tiff=01;35:*.png=01;35:*.svg=01;35:*.svgz=01;35:*.mng=01;35:*.pcx=01;35:*.mov=01;35:\
*.mpg=01;35:*.mpeg=01;35:*.m2v=01;35:*.mkv=01;35:*.webm=01;35:*.webp=01;35:*.ogm=01;35:*.mp4=01;35:*.m4v=01;35:\
*.mp4v=01;35:*.vob=01;35:*.qt=01;35:*.nuv=01;35:*.wmv=01;35:*.asf=01;35:*.rm=01;35:*.rmvb=01;35:*.flc=01;35:\
*.avi=01;35:*.fli=01;35:*.flv=01;35:*.gl=01;35:*.dl=01;35:*.xcf=01;35:*.xwd=01;35:*.yuv=01;35:*.cgm=01;35:\
*.emf=01;35:*.ogv=01;35:*.ogx=01;35:*.aac=00;36:*.au=00;36:*.flac=00;36:*.m4a=00;36:*.mid=00;36:*.midi=00;36:\
*.mka=00;36:*.mp3=00;36:*.mpc=00;36:*.ogg=00;36:*.ra=00;36:*.wav=00;36:*.oga=00;36:*.opus=00;36:*.spx=00;36:\
*.xspf=00;36:*~=00;90:*#=00;90:*.bak=00;90:*.old=00;90:*.orig=00;90:*.part=00;90:*.rej=00;90:*.swp=00;90:\
*.tmp=00;90:*.dpkg-dist=00;90:*.dpkg-old=00;90:*.ucf-dist=00;90:*.ucf-new=00;90:*.ucf-old=00;90:*.rpmnew=00;90:\
*.rpmorig=00;90:*.rpmsave=00;90:";

/// Width of the terminal the column layout fills.
const LINE_WIDTH: usize = 80;

/// Deepest `-R` recursion.
const MAX_DEPTH: usize = 32;

/// Most directories one `-R` listing visits.
const MAX_DIRS: usize = 2000;

/// Month abbreviations as `%b` prints them in the C locale.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

// ----- Helpers shared with the other file commands. -----

/// Joins a directory and a name the way coreutils builds child paths (`/` + `x` is `/x`, `.` + `x` is `./x`).
pub(crate) fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The ten-character mode string of `ls -l` and `stat`, e.g. `drwxrwxrwt`.
pub(crate) fn mode_string(kind: Kind, mode: u32) -> String {
    let mut s = String::with_capacity(10);
    s.push(match kind {
        Kind::Dir => 'd',
        Kind::File => '-',
        Kind::Symlink => 'l',
        Kind::CharDevice => 'c',
        Kind::BlockDevice => 'b',
    });
    let bit = |m: u32, c: char| if mode & m != 0 { c } else { '-' };
    let special = |x: u32, sp: u32, on: char, off: char| match (mode & x != 0, mode & sp != 0) {
        (true, true) => on,
        (false, true) => off,
        (true, false) => 'x',
        (false, false) => '-',
    };
    s.push(bit(0o400, 'r'));
    s.push(bit(0o200, 'w'));
    s.push(special(0o100, 0o4000, 's', 'S'));
    s.push(bit(0o040, 'r'));
    s.push(bit(0o020, 'w'));
    s.push(special(0o010, 0o2000, 's', 'S'));
    s.push(bit(0o004, 'r'));
    s.push(bit(0o002, 'w'));
    s.push(special(0o001, 0o1000, 't', 'T'));
    s
}

/// The user name for `uid` from the persona's accounts, or the number as coreutils prints an unknown id.
pub(crate) fn user_name(session: &Session, uid: u32) -> String {
    session
        .persona
        .users
        .iter()
        .find(|u| u.uid == uid)
        .map_or_else(|| uid.to_string(), |u| u.name.clone())
}

/// The group name for `gid` from the persona's groups, or the number.
pub(crate) fn group_name(session: &Session, gid: u32) -> String {
    session
        .persona
        .groups
        .iter()
        .find(|g| g.gid == gid)
        .map_or_else(|| gid.to_string(), |g| g.name.clone())
}

/// A stable, plausible ext4 inode number for a path (the fake fs keeps none): the root is 2.
pub(crate) fn inode(session: &Session, path: &str) -> u64 {
    // The node itself, not what a final symlink points to: canonicalize the parent and keep the last name.
    let canon = match crate::fs::path::split(path) {
        Some(sp) if !matches!(sp.name, "." | "..") => {
            let dir = session
                .fs
                .canonicalize(&session.cwd, sp.dir)
                .unwrap_or_else(|_| sp.dir.to_owned());
            join(&dir, sp.name)
        }
        _ => session
            .fs
            .canonicalize(&session.cwd, path)
            .unwrap_or_else(|_| path.to_owned()),
    };
    if canon == "/" {
        return 2;
    }
    // FNV-1a over the canonical path, folded into the range a few-GB root filesystem uses.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in canon.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    131_073 + h % 3_800_000
}

/// The link count `ls -l` and `stat` show: the fake fs does not maintain it for directories, which have 2 plus
/// one per subdirectory as on ext4.
pub(crate) fn link_count(session: &Session, path: &str, st: &Stat) -> u64 {
    match st.kind {
        Kind::Dir => {
            let subdirs = session
                .fs
                .list(&session.cwd, path)
                .map_or(0, |l| l.iter().filter(|d| d.stat.kind == Kind::Dir).count());
            2 + subdirs as u64
        }
        _ => u64::from(st.nlink),
    }
}

/// 1 KiB blocks the node occupies on a 4 KiB-block ext4, what `ls -s` and the `total` line add up.
pub(crate) fn blocks_kib(st: &Stat) -> u64 {
    match st.kind {
        Kind::Dir => 4,
        Kind::File => st.size.div_ceil(4096) * 4,
        _ => 0,
    }
}

/// Splits Unix seconds into UTC (year, month 1-12, day, hour, minute, second).
pub(crate) fn civil(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        (rem % 3600 / 60) as u32,
        (rem % 60) as u32,
    )
}

/// The date column of `ls -l`: `Nov 28 08:10` within six months, `Jan  2  2020` otherwise.
pub(crate) fn ls_time(mtime: i64, now: i64) -> String {
    let (y, m, d, hh, mm, _) = civil(mtime);
    let month = MONTHS.get(m.saturating_sub(1) as usize).copied().unwrap_or("Jan");
    if mtime > now - 31_556_952 / 2 && mtime <= now {
        format!("{month} {d:>2} {hh:02}:{mm:02}")
    } else {
        format!("{month} {d:>2}  {y}")
    }
}

/// `-h` sizes: powers of 1024, rounded up, one decimal below 10 (`4.0K`, `148K`, `1.1M`).
pub(crate) fn human(size: u64) -> String {
    const UNITS: [&str; 8] = ["K", "M", "G", "T", "P", "E", "Z", "Y"];
    let size = u128::from(size);
    let mut e = 0usize;
    let mut div: u128 = 1;
    while size / div >= 1024 && e < UNITS.len() {
        div *= 1024;
        e += 1;
    }
    if e == 0 {
        return size.to_string();
    }
    let unit = |i: usize| UNITS.get(i - 1).copied().unwrap_or("Y");
    let tenths = (size * 10).div_ceil(div);
    if tenths < 100 {
        return format!("{}.{}{}", tenths / 10, tenths % 10, unit(e));
    }
    let whole = size.div_ceil(div);
    if whole >= 1024 && e < UNITS.len() {
        return format!("1.0{}", unit(e + 1));
    }
    format!("{whole}{}", unit(e))
}

/// Splits coreutils-style arguments into flag letters and operands: `-abc` bundles, `--long` names mapped through
/// `longs`, `--` ends options and `-` is an operand. `Err` carries the bad option for [`Ctx::invalid_option`].
pub(crate) fn parse_flags<'a>(
    args: &'a [String],
    shorts: &str,
    longs: &[(&str, char)],
) -> Result<(Vec<char>, Vec<&'a str>), String> {
    let mut flags = Vec::new();
    let mut operands = Vec::new();
    let mut done = false;
    for arg in args.iter().skip(1) {
        if done || arg == "-" || !arg.starts_with('-') {
            operands.push(arg.as_str());
        } else if arg == "--" {
            done = true;
        } else if let Some(long) = arg.strip_prefix("--") {
            match longs.iter().find(|(name, _)| *name == long) {
                Some((_, c)) => flags.push(*c),
                None => return Err(arg.clone()),
            }
        } else {
            for c in arg.chars().skip(1) {
                if !shorts.contains(c) {
                    return Err(format!("-{c}"));
                }
                flags.push(c);
            }
        }
    }
    Ok((flags, operands))
}

/// The last name of a path, as `basename` prints it.
pub(crate) fn base_name(path: &str) -> &str {
    let t = path.trim_end_matches('/');
    if t.is_empty() {
        return "/";
    }
    t.rsplit('/').next().unwrap_or(t)
}

/// Prints coreutils' `missing operand` error with its `--help` hint; returns 1.
pub(crate) fn missing(ctx: &mut Ctx, p: &str, what: &str) -> i32 {
    ctx.err(format!("{p}: {what}\nTry '{p} --help' for more information.\n"));
    1
}

/// Splits the operands of `cp`/`mv` (`SOURCE... DEST`) into DEST and the sources; `Err(1)` after GNU's
/// missing-operand error.
pub(crate) fn split_dest<'a, 'b>(ctx: &mut Ctx, p: &str, ops: &'b [&'a str]) -> Result<(&'a str, &'b [&'a str]), i32> {
    let Some((&dest, srcs)) = ops.split_last() else {
        return Err(missing(ctx, p, "missing file operand"));
    };
    if srcs.is_empty() {
        return Err(missing(
            ctx,
            p,
            &format!("missing destination file operand after '{dest}'"),
        ));
    }
    Ok((dest, srcs))
}

/// Whether DEST of `cp`/`mv`/`ln` is a directory (a symlink to one counts unless `no_deref`); `Err(1)` after
/// GNU's "target is not a directory" error when several sources need it to be one.
pub(crate) fn dest_dir(ctx: &mut Ctx, p: &str, dest: &str, sources: usize, no_deref: bool) -> Result<bool, i32> {
    let is_dir = {
        let s = &*ctx.session;
        let st = if no_deref {
            s.fs.lstat(&s.cwd, dest)
        } else {
            s.fs.stat(&s.cwd, dest)
        };
        st.map(|st| st.kind == Kind::Dir).unwrap_or(false)
    };
    if sources > 1 && !is_dir {
        ctx.err(format!("{p}: target '{dest}' is not a directory\n"));
        return Err(1);
    }
    Ok(is_dir)
}

/// Where SRC lands for `cp`/`mv`/`ln`: inside DEST under its own name when DEST is a directory, else DEST.
pub(crate) fn target_path(dest: &str, dest_is_dir: bool, src: &str) -> String {
    if dest_is_dir {
        join(dest, base_name(src))
    } else {
        dest.to_owned()
    }
}

/// Pushes the entries of directory `dir` onto a `-R` walk's stack, last first so they pop in listing order;
/// symlinks are left out when `skip_symlinks` (chattr does not follow them). Nothing is pushed if `dir` cannot
/// be listed.
pub(crate) fn push_children(session: &Session, dir: &str, stack: &mut Vec<String>, skip_symlinks: bool) {
    if let Ok(list) = session.fs.list(&session.cwd, dir) {
        for e in list.into_iter().rev() {
            if !(skip_symlinks && e.stat.kind == Kind::Symlink) {
                stack.push(join(dir, &e.name));
            }
        }
    }
}

// ----- Options. -----

/// The flags `ls` understands.
#[derive(Default, Clone, Copy)]
struct Opts {
    long: bool,
    all: bool,
    almost: bool,
    human: bool,
    dir: bool,
    one: bool,
    columns: bool,
    recursive: bool,
    time: bool,
    reverse: bool,
    size: bool,
    inode: bool,
    numeric: bool,
    classify: bool,
    color: bool,
    unsorted: bool,
}

/// One name to print, with what the long format and colours need.
struct Entry {
    /// The name as printed.
    name: String,
    /// The path to reach it (for symlink targets and recursion).
    path: String,
    /// The entry's own metadata (not following a final symlink).
    stat: Stat,
    /// For a symlink: its text and the metadata of what it points to, if anything.
    link: Option<(String, Option<Stat>)>,
    /// Inode number for `-i`.
    ino: u64,
}

impl Entry {
    fn new(session: &Session, name: String, path: String, stat: Stat) -> Entry {
        let link = (stat.kind == Kind::Symlink).then(|| {
            let text = session
                .fs
                .read_link(&session.cwd, &path)
                .map(|t| t.to_string())
                .unwrap_or_default();
            (text, session.fs.stat(&session.cwd, &path).ok())
        });
        let ino = inode(session, &path);
        Entry {
            name,
            path,
            stat,
            link,
            ino,
        }
    }
}

/// Parsed `LS_COLORS`.
struct Colors {
    pairs: Vec<(String, String)>,
}

impl Colors {
    fn parse(spec: &str) -> Colors {
        let pairs = spec
            .split(':')
            .take(1000)
            .filter_map(|item| item.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Colors { pairs }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty() && *v != "0" && *v != "00")
    }

    /// The SGR code for a node of `st` named `name`; `dangling` for a symlink pointing nowhere.
    fn code(&self, name: &str, st: &Stat, dangling: bool) -> Option<&str> {
        let mode = st.mode;
        match st.kind {
            Kind::Dir => {
                let key = match (mode & 0o1000 != 0, mode & 0o002 != 0) {
                    (true, true) => "tw",
                    (false, true) => "ow",
                    (true, false) => "st",
                    (false, false) => "di",
                };
                self.get(key).or_else(|| self.get("di"))
            }
            Kind::Symlink if dangling => self.get("or").or_else(|| self.get("ln")),
            Kind::Symlink => self.get("ln"),
            Kind::CharDevice => self.get("cd"),
            Kind::BlockDevice => self.get("bd"),
            Kind::File => {
                if mode & 0o4000 != 0 {
                    return self.get("su");
                }
                if mode & 0o2000 != 0 {
                    return self.get("sg");
                }
                if mode & 0o111 != 0 {
                    return self.get("ex");
                }
                let lower = name.to_ascii_lowercase();
                self.pairs
                    .iter()
                    .filter_map(|(k, v)| Some((k.strip_prefix('*')?, v)))
                    .find(|(ext, _)| lower.ends_with(&ext.to_ascii_lowercase()))
                    .map(|(_, v)| v.as_str())
                    .filter(|v| !v.is_empty() && *v != "0" && *v != "00")
                    .or_else(|| self.get("fi"))
            }
        }
    }
}

/// The `-F` indicator for a node.
fn indicator(st: &Stat) -> &'static str {
    match st.kind {
        Kind::Dir => "/",
        Kind::Symlink => "@",
        Kind::File if st.mode & 0o111 != 0 => "*",
        _ => "",
    }
}

/// The long-format columns of one entry: links, owner, group, size (or `None` for a device), device numbers.
type Row = (String, String, String, Option<String>, (u32, u32));

/// Output state: options, colours, and whether the one-time colour reset was written.
struct Printer {
    o: Opts,
    colors: Option<Colors>,
    reset_done: bool,
    now: i64,
}

impl Printer {
    /// `name` wrapped in its colour, if colouring.
    fn paint(&mut self, out: &mut String, name: &str, st: &Stat, dangling: bool) {
        let code = self
            .colors
            .as_ref()
            .and_then(|c| c.code(name, st, dangling))
            .map(str::to_owned);
        match code {
            Some(code) => {
                if !self.reset_done {
                    out.push_str("\x1b[0m");
                    self.reset_done = true;
                }
                out.push_str(&format!("\x1b[{code}m{name}\x1b[0m"));
            }
            None => out.push_str(name),
        }
    }

    /// Name plus `-F` indicator (no symlink target).
    fn short_name(&mut self, out: &mut String, e: &Entry) {
        let dangling = matches!(&e.link, Some((_, None)));
        self.paint(out, &e.name, &e.stat, dangling);
        if self.o.classify {
            out.push_str(indicator(&e.stat));
        }
    }

    /// Display width of the name with its frills, for the column layout.
    fn width(&self, e: &Entry, ino_w: usize) -> usize {
        let mut w = e.name.chars().count();
        if self.o.classify {
            w += indicator(&e.stat).len();
        }
        if self.o.inode {
            w += ino_w + 1;
        }
        w
    }

    /// Prints one group of entries in the chosen format.
    fn print(&mut self, ctx: &Ctx, out: &mut String, entries: &[Entry]) {
        if entries.is_empty() {
            return;
        }
        let ino_w = entries.iter().map(|e| e.ino.to_string().len()).max().unwrap_or(1);
        if self.o.long {
            self.print_long(ctx, out, entries, ino_w);
        } else if self.o.columns {
            self.print_columns(out, entries, ino_w);
        } else {
            for e in entries {
                if self.o.inode {
                    out.push_str(&format!("{:>ino_w$} ", e.ino));
                }
                self.short_name(out, e);
                out.push('\n');
            }
        }
    }

    fn print_long(&mut self, ctx: &Ctx, out: &mut String, entries: &[Entry], ino_w: usize) {
        let s = &*ctx.session;
        let owner = |e: &Entry| {
            if self.o.numeric {
                e.stat.uid.to_string()
            } else {
                user_name(s, e.stat.uid)
            }
        };
        let group = |e: &Entry| {
            if self.o.numeric {
                e.stat.gid.to_string()
            } else {
                group_name(s, e.stat.gid)
            }
        };
        let size_text = |e: &Entry| match e.stat.kind {
            Kind::CharDevice | Kind::BlockDevice => None,
            _ if self.o.human => Some(human(e.stat.size)),
            _ => Some(e.stat.size.to_string()),
        };
        let devnums = |e: &Entry| device_numbers(&e.path);
        let links = |e: &Entry| link_count(s, &e.path, &e.stat);
        let rows: Vec<Row> = entries
            .iter()
            .map(|e| (links(e).to_string(), owner(e), group(e), size_text(e), devnums(e)))
            .collect();
        let link_w = rows.iter().map(|r| r.0.len()).max().unwrap_or(1);
        let own_w = rows.iter().map(|r| r.1.len()).max().unwrap_or(1);
        let grp_w = rows.iter().map(|r| r.2.len()).max().unwrap_or(1);
        let has_dev = rows.iter().any(|r| r.3.is_none());
        let maj_w = rows
            .iter()
            .filter(|r| r.3.is_none())
            .map(|r| r.4 .0.to_string().len())
            .max()
            .unwrap_or(0);
        let min_w = rows
            .iter()
            .filter(|r| r.3.is_none())
            .map(|r| r.4 .1.to_string().len())
            .max()
            .unwrap_or(0);
        let mut size_w = rows
            .iter()
            .filter_map(|r| r.3.as_ref().map(String::len))
            .max()
            .unwrap_or(0);
        if has_dev {
            size_w = size_w.max(maj_w + 2 + min_w);
        }
        for (e, (links, own, grp, size, (maj, min))) in entries.iter().zip(rows) {
            if self.o.inode {
                out.push_str(&format!("{:>ino_w$} ", e.ino));
            }
            let size = size.unwrap_or_else(|| format!("{maj:>maj_w$}, {min:>min_w$}"));
            out.push_str(&format!(
                "{} {links:>link_w$} {own:<own_w$} {grp:<grp_w$} {size:>size_w$} {} ",
                mode_string(e.stat.kind, e.stat.mode),
                ls_time(e.stat.mtime, self.now),
            ));
            match &e.link {
                Some((text, target)) => {
                    self.paint(out, &e.name, &e.stat, target.is_none());
                    out.push_str(" -> ");
                    match target {
                        Some(t) => {
                            self.paint(out, text, t, false);
                            if self.o.classify {
                                out.push_str(indicator(t));
                            }
                        }
                        None => self.paint(out, text, &e.stat, true),
                    }
                }
                None => self.short_name(out, e),
            }
            out.push('\n');
        }
    }

    /// GNU's `-C` layout: the most columns whose widths fit in 80, filled top to bottom.
    fn print_columns(&mut self, out: &mut String, entries: &[Entry], ino_w: usize) {
        let n = entries.len();
        let widths: Vec<usize> = entries.iter().map(|e| self.width(e, ino_w)).collect();
        let max_cols = (LINE_WIDTH / 3).max(1).min(n);
        let mut best: Vec<usize> = vec![widths.iter().copied().max().unwrap_or(0)];
        for cols in (2..=max_cols).rev() {
            let rows = n.div_ceil(cols);
            let mut col_w = vec![3usize; cols];
            let mut line = cols * 3;
            for (i, w) in widths.iter().enumerate() {
                let c = i / rows;
                let real = w + if c + 1 == cols { 0 } else { 2 };
                if let Some(slot) = col_w.get_mut(c) {
                    if *slot < real {
                        line += real - *slot;
                        *slot = real;
                    }
                }
                if line >= LINE_WIDTH {
                    break;
                }
            }
            if line < LINE_WIDTH {
                best = col_w;
                break;
            }
        }
        let cols = best.len().max(1);
        let rows = n.div_ceil(cols);
        let tabs = self.colors.is_none();
        for row in 0..rows {
            let mut pos = 0;
            let mut idx = row;
            let mut col = 0;
            while let Some(e) = entries.get(idx) {
                if self.o.inode {
                    out.push_str(&format!("{:>ino_w$} ", e.ino));
                }
                self.short_name(out, e);
                let w = widths.get(idx).copied().unwrap_or(0);
                let max_w = best.get(col).copied().unwrap_or(w);
                col += 1;
                idx += rows;
                if idx >= n {
                    break;
                }
                indent(out, pos + w, pos + max_w, tabs);
                pos += max_w;
            }
            out.push('\n');
        }
    }
}

/// GNU's `indent`: tabs of 8 where they fit, then spaces.
fn indent(out: &mut String, mut from: usize, to: usize, tabs: bool) {
    while from < to {
        if tabs && to / 8 > (from + 1) / 8 {
            out.push('\t');
            from += 8 - from % 8;
        } else {
            out.push(' ');
            from += 1;
        }
    }
}

/// Major and minor numbers of the usual device nodes (the fake fs stores them but does not expose them).
pub(crate) fn device_numbers(path: &str) -> (u32, u32) {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name {
        "null" => (1, 3),
        "zero" => (1, 5),
        "full" => (1, 7),
        "random" => (1, 8),
        "urandom" => (1, 9),
        "tty" => (5, 0),
        "console" => (5, 1),
        "ptmx" => (5, 2),
        "sda" => (8, 0),
        "sda1" => (8, 1),
        "sda2" => (8, 2),
        "vda" => (254, 0),
        "vda1" => (254, 1),
        _ => (0, 0),
    }
}

/// Sorts entries as the options ask; names compare bytewise as in the C.UTF-8 locale.
fn sort(entries: &mut [Entry], o: &Opts) {
    if o.unsorted {
        return;
    }
    entries.sort_by(|a, b| {
        let by_name = a.name.as_bytes().cmp(b.name.as_bytes());
        let ord = if o.size {
            b.stat.size.cmp(&a.stat.size).then(by_name)
        } else if o.time {
            b.stat.mtime.cmp(&a.stat.mtime).then(by_name)
        } else {
            by_name
        };
        if o.reverse {
            ord.reverse()
        } else {
            ord
        }
    });
}

/// Prints the usage error of a bad `--color` argument; returns 2.
fn bad_color(ctx: &mut Ctx, p: &str, arg: &str) -> i32 {
    ctx.err(format!(
        "{p}: invalid argument ‘{arg}’ for ‘--color’\nValid arguments are:\n  - ‘always’, ‘yes’, ‘force’\n  \
         - ‘never’, ‘no’, ‘none’\n  - ‘auto’, ‘tty’, ‘if-tty’\nUsage: {p} [OPTION]... [FILE]...\n\
         Try '{p} --help' for more information.\n"
    ));
    2
}

impl Command for Ls {
    fn names(&self) -> &'static [&'static str] {
        &["ls", "/bin/ls", "/usr/bin/ls", "dir", "/bin/dir", "/usr/bin/dir"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let tty = ctx.session.stdout_tty;
        let mut o = Opts {
            columns: tty || p.ends_with("dir"),
            ..Opts::default()
        };
        let mut color = "never".to_owned();
        let mut paths: Vec<&str> = Vec::new();
        let mut done = false;
        for arg in args.iter().skip(1) {
            if done || arg == "-" || !arg.starts_with('-') {
                paths.push(arg);
                continue;
            }
            if arg == "--" {
                done = true;
                continue;
            }
            if let Some(long) = arg.strip_prefix("--") {
                let (name, value) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v)),
                    None => (long, None),
                };
                match name {
                    "all" => o.all = true,
                    "almost-all" => o.almost = true,
                    "human-readable" => o.human = true,
                    "directory" => o.dir = true,
                    "recursive" => o.recursive = true,
                    "reverse" => o.reverse = true,
                    "inode" => o.inode = true,
                    "numeric-uid-gid" => {
                        o.numeric = true;
                        o.long = true
                    }
                    "classify" => o.classify = true,
                    "color" | "colour" => color = value.unwrap_or("always").to_owned(),
                    _ => {
                        ctx.invalid_option(&p, arg);
                        return 2;
                    }
                }
                continue;
            }
            for c in arg.chars().skip(1) {
                match c {
                    'l' => o.long = true,
                    'a' => o.all = true,
                    'A' => o.almost = true,
                    'h' => o.human = true,
                    'd' => o.dir = true,
                    '1' => {
                        o.one = true;
                        o.columns = false;
                        o.long = false
                    }
                    'C' => {
                        o.columns = true;
                        o.long = false
                    }
                    'R' => o.recursive = true,
                    't' => o.time = true,
                    'r' => o.reverse = true,
                    'S' => o.size = true,
                    'U' | 'f' => o.unsorted = true,
                    'i' => o.inode = true,
                    'n' => {
                        o.numeric = true;
                        o.long = true
                    }
                    'F' => o.classify = true,
                    _ => {
                        ctx.invalid_option(&p, &format!("-{c}"));
                        return 2;
                    }
                }
            }
        }
        o.color = match color.as_str() {
            "always" | "yes" | "force" => true,
            "never" | "no" | "none" => false,
            "auto" | "tty" | "if-tty" => tty,
            other => return bad_color(ctx, &p, other),
        };
        if o.long {
            o.columns = false;
        }
        let colors = o.color.then(|| match ctx.session.var("LS_COLORS") {
            Some(spec) if !spec.is_empty() => Colors::parse(&spec),
            _ => Colors::parse(DEFAULT_COLORS),
        });
        let mut pr = Printer {
            o,
            colors,
            reset_done: false,
            now: ctx.session.now,
        };
        let explicit = !paths.is_empty();
        if paths.is_empty() {
            paths.push(".");
        }
        let follow = !(o.long || o.dir || o.classify);
        let mut status = 0;
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        for path in &paths {
            let s = &*ctx.session;
            let st = match s.fs.lstat(&s.cwd, path) {
                Ok(st) => st,
                Err(e) => {
                    ctx.err(format!("{p}: cannot access '{path}': {}\n", e.message()));
                    status = 2;
                    continue;
                }
            };
            let is_dir = match st.kind {
                Kind::Dir => true,
                Kind::Symlink if follow || path.ends_with('/') => {
                    s.fs.stat(&s.cwd, path).map(|t| t.kind == Kind::Dir).unwrap_or(false)
                }
                _ => false,
            };
            let e = Entry::new(s, (*path).to_owned(), (*path).to_owned(), st);
            if is_dir && !o.dir {
                dirs.push(e);
            } else {
                files.push(e);
            }
        }
        sort(&mut files, &o);
        sort(&mut dirs, &o);
        let mut text = String::new();
        pr.print(ctx, &mut text, &files);
        let headers = o.recursive || files.len() + dirs.len() > 1 || status != 0 && explicit;
        let mut first = files.is_empty();
        let mut visited = 0;
        for d in dirs {
            self.list_dir(ctx, &mut pr, &mut text, &d.path, headers, &mut first, 0, &mut visited);
            if text.len() > crate::exec::MAX_OUTPUT {
                break;
            }
        }
        ctx.out(text);
        status
    }
}

impl Ls {
    /// Lists one directory (and, for `-R`, its subdirectories).
    #[allow(clippy::too_many_arguments)]
    fn list_dir(
        &self,
        ctx: &mut Ctx,
        pr: &mut Printer,
        out: &mut String,
        dir: &str,
        header: bool,
        first: &mut bool,
        depth: usize,
        visited: &mut usize,
    ) {
        *visited += 1;
        if depth > MAX_DEPTH || *visited > MAX_DIRS || out.len() > crate::exec::MAX_OUTPUT {
            return;
        }
        let o = pr.o;
        let listing = {
            let s = &*ctx.session;
            s.fs.list(&s.cwd, dir)
        };
        let list = match listing {
            Ok(l) => l,
            Err(e) => {
                ctx.err(format!("ls: cannot open directory '{dir}': {}\n", e.message()));
                return;
            }
        };
        if header {
            if !*first {
                out.push('\n');
            }
            out.push_str(&format!("{dir}:\n"));
        }
        *first = false;
        let mut entries = Vec::new();
        {
            let s = &*ctx.session;
            if o.all {
                for dot in [".", ".."] {
                    let path = join(dir, dot);
                    if let Ok(st) = s.fs.stat(&s.cwd, &path) {
                        entries.push(Entry::new(s, dot.to_owned(), path, st));
                    }
                }
            }
            for d in list {
                if d.name.starts_with('.') && !(o.all || o.almost) {
                    continue;
                }
                let path = join(dir, &d.name);
                entries.push(Entry::new(s, d.name, path, d.stat));
            }
        }
        sort(&mut entries, &o);
        if o.long {
            let total: u64 = entries.iter().map(|e| blocks_kib(&e.stat)).sum();
            let total = if o.human {
                human(total * 1024)
            } else {
                total.to_string()
            };
            out.push_str(&format!("total {total}\n"));
        }
        pr.print(ctx, out, &entries);
        if o.recursive {
            for e in &entries {
                if e.stat.kind == Kind::Dir && e.name != "." && e.name != ".." {
                    self.list_dir(ctx, pr, out, &e.path, true, first, depth + 1, visited);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn helpers() {
        use super::*;
        assert_eq!(human(151_344), "148K");
        assert_eq!(human(4096), "4.0K");
        assert_eq!(human(1023), "1023");
        assert_eq!(human(1_048_575), "1.0M");
        assert_eq!(human(10 * 1024), "10K");
        assert_eq!(mode_string(Kind::Dir, 0o1777), "drwxrwxrwt");
        assert_eq!(mode_string(Kind::File, 0o4755), "-rwsr-xr-x");
        assert_eq!(mode_string(Kind::File, 0o2644), "-rw-r-Sr--");
        assert_eq!(civil(1_686_355_200), (2023, 6, 10, 0, 0, 0));
        assert_eq!(ls_time(1_686_355_200, 1_750_000_000), "Jun 10  2023");
        assert_eq!(ls_time(1_749_990_000, 1_750_000_000), "Jun 15 12:20");
    }

    #[test]
    fn plain_and_long() {
        check("ls /", "bin\ndev\netc\nhome\nproc\nroot\ntmp\nusr\nvar\n", "", 0);
        check("ls /etc/hostname", "/etc/hostname\n", "", 0);
        check(
            "ls -l /etc",
            "total 8\n-rw-r--r-- 1 root root   7 Jun 10  2023 hostname\n\
             -rw-r--r-- 1 root root 139 Jun 10  2023 passwd\n",
            "",
            0,
        );
        check(
            "ls -ld /tmp /dev/null",
            "crw-rw-rw- 1 root root 1, 3 Jun 10  2023 /dev/null\ndrwxrwxrwt 2 root root 4096 Jun 10  2023 /tmp\n",
            "",
            0,
        );
        check(
            "ls /nope",
            "",
            "ls: cannot access '/nope': No such file or directory\n",
            2,
        );
        check(
            "ls -z",
            "",
            "ls: invalid option -- 'z'\nTry 'ls --help' for more information.\n",
            2,
        );
    }

    #[test]
    fn flags() {
        let mut s = session();
        check_in(
            &mut s,
            "mkdir /tmp/d; cd /tmp/d; echo hello > a; mkdir sub; touch .h",
            "",
            "",
            0,
        );
        check_in(&mut s, "ls -a", ".\n..\n.h\na\nsub\n", "", 0);
        check_in(&mut s, "ls -A -F", ".h\na\nsub/\n", "", 0);
        check_in(&mut s, "ls -r", "sub\na\n", "", 0);
        check_in(&mut s, "ls -S", "sub\na\n", "", 0);
        check_in(&mut s, "ls -R", ".:\na\nsub\n\n./sub:\n", "", 0);
        check_in(&mut s, "ls /tmp/d/sub /tmp/d/a", "/tmp/d/a\n\n/tmp/d/sub:\n", "", 0);
        check_in(
            &mut s,
            "ls -lah",
            "total 16K\ndrwxr-xr-x 3 root root 4.0K Jun 15 15:06 .\n\
             drwxrwxrwt 3 root root 4.0K Jun 15 15:06 ..\n\
             -rw-r--r-- 1 root root    0 Jun 15 15:06 .h\n\
             -rw-r--r-- 1 root root    6 Jun 15 15:06 a\n\
             drwxr-xr-x 2 root root 4.0K Jun 15 15:06 sub\n",
            "",
            0,
        );
        check_in(&mut s, "ls --color=always", "a\n\x1b[0m\x1b[01;34msub\x1b[0m\n", "", 0);
        check_in(
            &mut s,
            "ls --color=bad",
            "",
            "ls: invalid argument ‘bad’ for ‘--color’\nValid arguments are:\n  - ‘always’, ‘yes’, ‘force’\n  \
             - ‘never’, ‘no’, ‘none’\n  - ‘auto’, ‘tty’, ‘if-tty’\nUsage: ls [OPTION]... [FILE]...\n\
             Try 'ls --help' for more information.\n",
            2,
        );
    }

    #[test]
    fn terminal_columns() {
        let mut s = session();
        s.set_tty(true);
        check_in(
            &mut s,
            "ls /",
            "bin  dev  etc  home  proc  root  tmp  usr  var\n",
            "",
            0,
        );
        check_in(
            &mut s,
            "ls / | cat",
            "bin\ndev\netc\nhome\nproc\nroot\ntmp\nusr\nvar\n",
            "",
            0,
        );
        check_in(
            &mut s,
            "ls / > /tmp/x; cat /tmp/x",
            "bin\ndev\netc\nhome\nproc\nroot\ntmp\nusr\nvar\n",
            "",
            0,
        );
        check_in(&mut s, "echo $(ls /etc)", "hostname passwd\n", "", 0);
        check_in(
            &mut s,
            "cd /tmp; touch aaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbb cccccccccccccccccccccccccc dddddddddd; ls",
            "aaaaaaaaaaaaaaaaaaaa\t    cccccccccccccccccccccccccc\tx\nbbbbbbbbbbbbbbbbbbbbbbbbbb  dddddddddd\n",
            "",
            0,
        );
    }
}

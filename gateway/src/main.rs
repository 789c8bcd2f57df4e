//! `dho-wss-gateway --config pep.toml [--listen ADDR]`: the PEP as a service (see the
//! library documentation and `gateway/README.md`).

#![forbid(unsafe_code)]

use std::process::ExitCode;

const USAGE: &str = "usage: dho-wss-gateway --config FILE.toml [--listen ADDR] [--metrics-listen ADDR]";

fn main() -> ExitCode {
    let (mut config, mut listen, mut metrics) = (None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let slot = match a.as_str() {
            "--config" => &mut config,
            "--listen" => &mut listen,
            "--metrics-listen" => &mut metrics,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => {
                eprintln!("error: unexpected argument {a:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        };
        match args.next() {
            Some(v) => *slot = Some(v),
            None => {
                eprintln!("error: {a} needs a value\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(path) = config else {
        eprintln!("error: --config is required\n{USAGE}");
        return ExitCode::from(2);
    };
    let mut config = match dho_wss_gateway::Config::from_toml_file(&path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(v) = listen {
        match v.parse() {
            Ok(addr) => config.listen = addr,
            Err(e) => {
                eprintln!("error: --listen {v:?}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(v) = metrics {
        match v.parse() {
            Ok(addr) => config.metrics_listen = Some(addr),
            Err(e) => {
                eprintln!("error: --metrics-listen {v:?}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    dho_wss_gateway::init_logging(config.log.format);
    match dho_wss_gateway::run(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

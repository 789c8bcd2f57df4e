#!/usr/bin/env bash
# Loopback FTPS servers for tests/ftps (issue 15): vsftpd on 127.0.0.1:2121 and ProFTPD (mod_tls)
# on 127.0.0.1:2122, both with testdata/pki/tls-server.* and client certificates from
# testdata/pki/ca.pem required, and the MAGDA folder layout (to_vip, from_vip, cache/to_vip,
# cache/from_vip, publiek) in a home folder per server.
#
#   tests/ftps/servers.sh start DIR   # as root; prints the env lines the tests read (also in DIR/env)
#   tests/ftps/servers.sh stop DIR
#
# Packages (Debian 12): proftpd-core proftpd-mod-crypto, and vsftpd — the two conflict as apt
# packages (both provide ftp-server), so vsftpd's .deb is unpacked into DIR instead of installed
# (`apt-get download vsftpd`; its libraries libwrap0 libcap2 libpam-modules are installed).
# vsftpd logs in the local user `dhoftp` (password below) through the PAM service
# `dho-wss-vsftpd` this script writes; ProFTPD logs in the client certificate's CN
# (TLSUserName CommonName) from an AuthUserFile, no password.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?DIR}
repo=$(cd "$(dirname "$0")/../.." && pwd)
pki=$repo/testdata/pki
user=dhoftp
password=dho-wss-test-only
cn=$(openssl x509 -in "$pki/institution.crt.pem" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= *//p')

stop() {
  for p in vsftpd proftpd; do
    if [ -f "$dir/$p.pid" ]; then
      pid=$(cat "$dir/$p.pid")
      kill "$pid" 2>/dev/null || true
      # Wait (at most 5 s) until it is gone or a zombie, so a restart can bind its port.
      for _ in $(seq 50); do
        state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null || true)
        [ -z "$state" ] || [ "$state" = Z ] && break
        sleep 0.1
      done
      rm -f "$dir/$p.pid"
    fi
  done
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "$0: must run as root (local users, PAM service, daemons)" >&2; exit 1; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
stop

# The vsftpd binary, unpacked from its .deb.
vsftpd=$dir/vsftpd-root/usr/sbin/vsftpd
if [ ! -x "$vsftpd" ]; then
  (cd "$dir" && apt-get download -q vsftpd >/dev/null 2>&1 && dpkg -x vsftpd_*.deb vsftpd-root && rm -f vsftpd_*.deb)
fi
command -v proftpd >/dev/null || { echo "$0: proftpd not installed (apt-get install proftpd-core proftpd-mod-crypto)" >&2; exit 1; }

id "$user" >/dev/null 2>&1 || useradd -M -s /bin/sh "$user"
# vsftpd changes into the user's home before local_root applies.
usermod -d "$dir/home-vsftpd" "$user"
echo "$user:$password" | chpasswd
uid=$(id -u "$user"); gid=$(id -g "$user")
cat > /etc/pam.d/dho-wss-vsftpd <<EOF
auth required pam_unix.so
account required pam_unix.so
session required pam_permit.so
EOF

# Home folders with the MAGDA layout, owned by the FTP user.
for s in vsftpd proftpd; do
  for f in to_vip from_vip cache/to_vip cache/from_vip publiek; do mkdir -p "$dir/home-$s/$f"; done
  chown -R "$uid:$gid" "$dir/home-$s"
  chmod 755 "$dir/home-$s" 
done
chmod 555 "$dir/home-vsftpd/publiek" "$dir/home-proftpd/publiek"
mkdir -p "$dir/empty" && chmod 755 "$dir/empty"

cat > "$dir/vsftpd.conf" <<EOF
listen=YES
listen_address=127.0.0.1
listen_port=2121
background=NO
anonymous_enable=NO
local_enable=YES
local_root=$dir/home-vsftpd
write_enable=YES
local_umask=022
pam_service_name=dho-wss-vsftpd
secure_chroot_dir=$dir/empty
seccomp_sandbox=NO
ssl_enable=YES
allow_anon_ssl=NO
force_local_logins_ssl=YES
force_local_data_ssl=YES
ssl_tlsv1=NO
ssl_sslv2=NO
ssl_sslv3=NO
rsa_cert_file=$pki/tls-server.chain.pem
rsa_private_key_file=$pki/tls-server.key.pem
require_cert=YES
validate_cert=YES
ca_certs_file=$pki/ca.pem
require_ssl_reuse=YES
pasv_enable=YES
pasv_address=127.0.0.1
pasv_min_port=30010
pasv_max_port=30049
xferlog_enable=YES
vsftpd_log_file=$dir/vsftpd.log
EOF

# ProFTPD's users: the institution certificate's CN (cert login) and one more (USER ≠ CN).
cat > "$dir/proftpd.passwd" <<EOF
$cn:*:$uid:$gid::$dir/home-proftpd:/bin/sh
other-user:*:$uid:$gid::$dir/home-proftpd:/bin/sh
EOF
chmod 600 "$dir/proftpd.passwd"
cat > "$dir/proftpd.conf" <<EOF
ServerName "dho-wss test"
ServerType standalone
DefaultServer on
Port 2122
DefaultAddress 127.0.0.1
SocketBindTight on
UseIPv6 off
UseReverseDNS off
User nobody
Group nogroup
PidFile $dir/proftpd.pid
ScoreboardFile $dir/proftpd.scoreboard
DelayTable none
WtmpLog off
TransferLog $dir/proftpd.xferlog
SystemLog $dir/proftpd.log
ModulePath /usr/lib/proftpd
LoadModule mod_tls.c
AuthOrder mod_auth_file.c
AuthUserFile $dir/proftpd.passwd
RequireValidShell off
DefaultRoot ~
PassivePorts 30050 30089
Umask 022
AllowOverwrite on
TLSEngine on
TLSRequired on
TLSProtocol TLSv1.2 TLSv1.3
TLSRSACertificateFile $pki/tls-server.chain.pem
TLSRSACertificateKeyFile $pki/tls-server.key.pem
TLSCACertificateFile $pki/ca.pem
TLSVerifyClient on
TLSUserName CommonName
TLSLog $dir/proftpd-tls.log
EOF

"$vsftpd" "$dir/vsftpd.conf" >"$dir/vsftpd.out" 2>&1 &
echo $! > "$dir/vsftpd.pid"
proftpd -c "$dir/proftpd.conf" >"$dir/proftpd.out" 2>&1
for port in 2121 2122; do
  for _ in $(seq 50); do
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
    sleep 0.1
  done
  (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || { echo "$0: nothing listens on $port" >&2; cat "$dir"/*.out "$dir"/*.log 2>/dev/null >&2; exit 1; }
done

cat > "$dir/env" <<EOF
export DHO_WSS_VSFTPD=127.0.0.1:2121
export DHO_WSS_VSFTPD_USER=$user
export DHO_WSS_VSFTPD_PASSWORD=$password
export DHO_WSS_VSFTPD_ROOT=$dir/home-vsftpd
export DHO_WSS_VSFTPD_PID=$dir/vsftpd.pid
export DHO_WSS_PROFTPD=127.0.0.1:2122
export DHO_WSS_PROFTPD_ROOT=$dir/home-proftpd
export DHO_WSS_PROFTPD_PID=$dir/proftpd.pid
EOF
cat "$dir/env"

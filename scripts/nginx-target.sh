#!/usr/bin/env bash
# Starts Debian's nginx as a load-test target on 127.0.0.1:PORT in the
# foreground, one worker, no access log, serving a small page at / and
# status codes at /404 and /500. Usage: scripts/nginx-target.sh DIR PORT
set -euo pipefail
dir=$1 port=$2
mkdir -p "$dir/www"
printf 'hello from nginx\n' >"$dir/www/index.html"
chmod -R a+rX "$dir"
cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  server {
    listen 127.0.0.1:$port;
    root $dir/www;
    location = /404 { return 404; }
    location = /500 { return 500; }
  }
}
CONF
exec /usr/sbin/nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon off;'

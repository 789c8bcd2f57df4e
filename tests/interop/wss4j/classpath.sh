# Sourced by build.sh and run.sh: the Debian jars the driver needs (fails loudly if one is missing).
_jars=(
  /usr/share/java/wss4j.jar              # libwss4j-java (WSS4J 1.6.19)
  /usr/share/java/xmlsec.jar             # libxml-security-java (Apache Santuario 2.1.7)
  /usr/share/java/commons-logging.jar    # libcommons-logging-java (used by WSS4J)
  /usr/share/java/slf4j-api.jar          # libslf4j-java (used by Santuario)
  /usr/share/java/slf4j-nop.jar          # libslf4j-java (no log output)
)
for _j in "${_jars[@]}"; do
  [[ -r "$_j" ]] || { echo "wss4j classpath: missing $_j (apt-get install libwss4j-java libxml-security-java libcommons-logging-java libslf4j-java)" >&2; exit 2; }
done
WSS4J_CP="$(IFS=:; echo "${_jars[*]}")"
unset _jars _j

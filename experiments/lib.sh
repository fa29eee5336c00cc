# Shell helpers shared by the studies' scripts (sourced from the repository root).

# A path as one quoted Hydra override value: a comma, space, bracket or = in it stays part
# of the path instead of making a sweep or a syntax error (hydra.sweep.dir=$(hydra_value
# "$ROOT")). In Hydra's quoted value a quote is escaped (\'), so are the backslashes before
# a quote or at the end (\\), and ${ would be an interpolation (\${).
hydra_value() {
  local rest=$1 out='' run='' c
  while [ -n "$rest" ]; do
    c=${rest:0:1} rest=${rest:1}
    case $c in
      \\) run+=$c; continue ;;
      \') out+="$run$run\\'" ;;
      *) out+="$run$c" ;;
    esac
    run=''
  done
  out+="$run$run"
  printf "'%s'" "${out//'${'/'\${'}"
}

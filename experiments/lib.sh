# Shell helpers shared by the studies' scripts (sourced from the repository root).

# A path as one quoted Hydra override value: a comma, space, bracket or = in it stays part
# of the path instead of making a sweep or a syntax error (hydra.sweep.dir=$(hydra_value
# "$ROOT")).
hydra_value() { local s=${1//\'/\\\'}; printf "'%s'" "$s"; }

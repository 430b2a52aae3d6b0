// How PyYAML (as configured by OmegaConf) types and builds scalars.
//
// Two resolvers matter. OmegaConf's loader is PyYAML's SafeLoader (YAML 1.1
// implicit types) plus an extra float rule (`1e-4` is a float) and minus
// timestamps. The dumper behind OmegaConf.to_yaml uses PyYAML's plain
// Resolver, whose verdict decides whether a string may be written unquoted.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace ragforge::config {

enum class YamlTag { Str, Null, Bool, Int, Float, Merge, Value, Timestamp, Yaml };
enum class YamlResolver { OmegaConfLoader, PyYamlDumper };

// The tag PyYAML's implicit resolvers give a plain (unquoted) scalar.
YamlTag resolve_plain_scalar(std::string_view value, YamlResolver resolver);

// PyYAML SafeConstructor's construct_yaml_{bool,int,float}. nullopt where
// Python would raise (bad digits) or the int does not fit in 64 bits.
std::optional<bool> construct_yaml_bool(std::string_view value);
std::optional<int64_t> construct_yaml_int(std::string_view value);
// The same at any size (Python ints are unbounded), as canonical decimal
// text; nullopt only where Python would raise.
std::optional<std::string> construct_yaml_int_decimal(std::string_view value);
std::optional<double> construct_yaml_float(std::string_view value);

// Whether Python's int(s) / float(s) accept s (OmegaConf's is_int/is_float,
// which decide whether the dumper quotes a string).
bool python_int_accepts(std::string_view s);
bool python_float_accepts(std::string_view s);
// Python's float(s); nullopt where it raises ValueError.
std::optional<double> python_float(std::string_view s);

// OmegaConf's yaml_is_bool: the YAML 1.1 bool words plus y/Y/n/N.
bool omegaconf_yaml_is_bool(std::string_view s);

}  // namespace ragforge::config

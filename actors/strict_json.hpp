// The strict JSON reader behind submissions and payloads: one document, no
// NUL, no duplicate key at any depth, no number a double cannot keep, strings
// that are UTF-8, nesting within a limit. A lenient reader lets each of those
// through, and a proxy in front may read such a text differently than we do.
// For a submission it also keeps the top-level fields with their place in
// the text, so that the payload is kept byte for byte.
#pragma once

#include "troupe/job_request.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <string_view>
#include <vector>

namespace troupe::detail {

using json = nlohmann::json;
using problem_kind = request_problem::kind;

/// An iterator over a text that records how far the JSON parser has read,
/// so that a value's bytes can be taken from the text as they were sent.
class counting_iterator {
public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  counting_iterator(const char* at, const char* begin, size_t* consumed)
      : at_(at), begin_(begin), consumed_(consumed) {}

  reference operator*() const { return *at_; }

  counting_iterator& operator++() {
    ++at_;
    *consumed_ = static_cast<size_t>(at_ - begin_);
    return *this;
  }

  counting_iterator operator++(int) {
    auto before = *this;
    ++*this;
    return before;
  }

  bool operator==(const counting_iterator& other) const { return at_ == other.at_; }
  bool operator!=(const counting_iterator& other) const { return at_ != other.at_; }

private:
  const char* at_;
  const char* begin_;
  size_t* consumed_;
};

/// A JSON number as sign, significant digits (no leading or trailing zero;
/// empty for zero) and decimal exponent; nothing if the exponent is absurd.
struct decimal {
  bool negative = false;
  std::string digits;
  int64_t exponent = 0;

  static std::optional<decimal> of(std::string_view text) {
    decimal d;
    size_t i = 0;
    if (i < text.size() && text[i] == '-') {
      d.negative = true;
      ++i;
    }
    size_t fraction = 0;
    bool in_fraction = false;
    for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
      if (text[i] == '.') {
        in_fraction = true;
        continue;
      }
      d.digits.push_back(text[i]);
      fraction += in_fraction ? 1 : 0;
    }
    int64_t exponent = 0;
    if (i < text.size()) {
      auto digits = text.substr(i + 1);
      bool minus = !digits.empty() && digits[0] == '-';
      if (!digits.empty() && (digits[0] == '-' || digits[0] == '+'))
        digits.remove_prefix(1);
      if (digits.size() > 15)
        return std::nullopt;
      for (char c : digits)
        exponent = exponent * 10 + (c - '0');
      exponent = minus ? -exponent : exponent;
    }
    d.exponent = exponent - static_cast<int64_t>(fraction);
    auto first = d.digits.find_first_not_of('0');
    d.digits.erase(0, first == std::string::npos ? d.digits.size() : first);
    while (!d.digits.empty() && d.digits.back() == '0') {
      d.digits.pop_back();
      ++d.exponent;
    }
    if (d.digits.empty()) {
      d.negative = false;
      d.exponent = 0;
    }
    return d;
  }

  bool operator==(const decimal& other) const {
    return negative == other.negative && digits == other.digits && exponent == other.exponent;
  }
};

/// Whether the double the parser made of `text` is the number `text` says:
/// 0.1 is (it prints back as 0.1), 2^64+1 and 1e-400 are not.
inline bool kept_exactly(double value, const std::string& text) {
  auto sent = decimal::of(text);
  auto kept = decimal::of(json(value).dump());
  return sent && kept && *sent == *kept;
}

/// A value directly inside the top-level object, as the reader saw it.
struct top_value {
  enum class kind { string, integer, other } what = kind::other;
  std::string text;
  int64_t integer = 0;
  /// Where its bytes lie in the text.
  size_t begin = 0;
  size_t end = 0;
};

/// A SAX reader that refuses what a lenient reader would let through, and
/// keeps the top-level object's values with their place in the text.
class strict_reader final : public nlohmann::json_sax<json> {
public:
  /// `request`: the text is a submission, whose top-level fields are
  /// options (read as the rules say) or the payload.
  strict_reader(std::string_view text, const size_t& consumed, size_t max_depth, bool request)
      : text_(text), consumed_(consumed), max_depth_(max_depth), request_(request) {}

  // -- values --

  bool null() override { return scalar({}); }

  bool boolean(bool) override { return scalar({}); }

  bool number_integer(number_integer_t value) override {
    top_value v;
    v.what = top_value::kind::integer;
    v.integer = value;
    return scalar(std::move(v), 1);
  }

  bool number_unsigned(number_unsigned_t value) override {
    top_value v;
    if (value <= static_cast<uint64_t>(INT64_MAX)) {
      v.what = top_value::kind::integer;
      v.integer = static_cast<int64_t>(value);
    }
    return scalar(std::move(v), 1);
  }

  bool number_float(number_float_t value, const string_t& text) override {
    if (!kept_exactly(value, text) && !at_top())
      return fail(problem_kind::invalid_field, top_key_,
                  "holds the number " + text.substr(0, 40)
                    + ", which cannot be kept exactly; send it as a string");
    return scalar({}, 1);
  }

  bool string(string_t& value) override {
    top_value v;
    v.what = top_value::kind::string;
    v.text = std::move(value);
    return scalar(std::move(v));
  }

  bool binary(binary_t&) override { return fail(problem_kind::invalid_json, {}, "binary value"); }

  // -- structure --

  bool start_object(std::size_t) override { return open(true); }

  bool key(string_t& name) override {
    if (!keys_.back().insert(name).second)
      return fail(problem_kind::invalid_json, {},
                  "the key '" + name.substr(0, 64) + "' appears twice in one object");
    if (depth_ == 1) {
      top_key_ = name;
      // The value starts after the colon that follows the key.
      auto at = text_.find_first_not_of(" \t\r\n:", consumed_);
      value_begin_ = at == std::string_view::npos ? text_.size() : at;
    }
    return true;
  }

  bool end_object() override { return close(); }

  bool start_array(std::size_t) override { return open(false); }

  bool end_array() override { return close(); }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception&) override {
    return not_json(position);
  }

  /// The text stops being JSON at byte `position`.
  bool not_json(size_t position) {
    return fail(problem_kind::invalid_json, {},
                "not valid JSON at byte " + std::to_string(position));
  }

  // -- results --

  const std::optional<request_problem>& problem() const { return problem_; }

  bool root_is_object() const { return root_is_object_; }

  const std::map<std::string, top_value>& top() const { return top_; }

private:
  /// Whether the value being read is one of a submission's options.
  bool at_top() const { return request_ && depth_ == 1 && top_key_ != "payload"; }

  /// A scalar value ended; `lookahead` bytes the parser read past it.
  bool scalar(top_value v, size_t lookahead = 0) {
    if (depth_ == 1) {
      v.begin = value_begin_;
      v.end = consumed_ - lookahead;
      top_.insert_or_assign(top_key_, std::move(v));
    }
    return true;
  }

  bool open(bool object) {
    if (depth_ == 0)
      root_is_object_ = object;
    if (++depth_ > max_depth_)
      return fail(problem_kind::invalid_json, {},
                  "JSON nested deeper than " + std::to_string(max_depth_) + " levels");
    keys_.emplace_back();
    return true;
  }

  bool close() {
    keys_.pop_back();
    if (--depth_ == 1) {
      top_value v;
      v.begin = value_begin_;
      v.end = consumed_;
      top_.insert_or_assign(top_key_, std::move(v));
    }
    return true;
  }

  bool fail(problem_kind what, std::string field, std::string message) {
    if (!problem_)
      problem_ = request_problem{what, std::move(field), std::move(message)};
    return false;
  }

  std::string_view text_;
  const size_t& consumed_;
  size_t max_depth_;
  bool request_;
  size_t depth_ = 0;
  bool root_is_object_ = false;
  std::vector<std::set<std::string>> keys_;
  std::string top_key_;
  size_t value_begin_ = 0;
  std::map<std::string, top_value> top_;
  std::optional<request_problem> problem_;
};

/// Reads `text` strictly; the reader holds what it found.
inline void read(std::string_view text, strict_reader& reader, size_t& consumed) {
  // A NUL ends the text for the parser, and anything after it would pass.
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    reader.not_json(nul);
    return;
  }
  counting_iterator first{text.data(), text.data(), &consumed};
  counting_iterator last{text.data() + text.size(), text.data(), &consumed};
  json::sax_parse(first, last, &reader);
}

} // namespace troupe::detail

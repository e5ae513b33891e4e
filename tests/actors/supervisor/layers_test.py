#!/usr/bin/env python3
"""The supervisor's files call each other in one direction only.

supervisor_state.hpp declares the functions over the supervisor's state in
sections named after the files that define them, in layers: a file may call
its own functions and those of sections declared before it; never one
declared after it, nor one of another file in its own section. So no two
files call each other, and a reader learns each file from the ones above
it. Fails with the offending calls.
"""
import pathlib
import re
import sys

folder = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "actors/supervisor")
header = (folder / "supervisor_state.hpp").read_text()
sections = re.split(r"^// -- ([\w., ]+?)(?::[^\n]*)? --$", header, flags=re.M)

layer_of = {}  # function -> layer number
defined_in = {}  # function -> file stem
file_layer = {}  # file stem -> layer number
for layer, i in enumerate(range(1, len(sections), 2)):
    stems = [f.strip().removesuffix(".cpp") for f in sections[i].split(",")]
    for stem in stems:
        file_layer[stem] = layer
    for name in re.findall(r"(\w+)\(self_ptr", sections[i + 1]):
        layer_of[name] = layer
        for stem in stems:
            text = (folder / f"{stem}.cpp").read_text()
            if re.search(r"^\S.*\b" + name + r"\(self_ptr", text, flags=re.M):
                defined_in[name] = stem

problems = []
if not layer_of:
    problems.append("no sections found in supervisor_state.hpp")
for name in layer_of.keys() - defined_in.keys():
    problems.append(f"{name} is not defined in the files its section names")
for stem, layer in file_layer.items():
    source = (folder / f"{stem}.cpp").read_text()
    for name, callee_layer in layer_of.items():
        sideways = callee_layer == layer and defined_in.get(name, stem) != stem
        if (callee_layer > layer or sideways) and re.search(r"\b" + name + r"\(self\b", source):
            problems.append(f"{stem}.cpp (layer {layer}) calls {name} "
                            f"({defined_in.get(name)}.cpp, layer {callee_layer})")
for problem in problems:
    print(problem)
print(f"{len(file_layer)} files in {len(set(file_layer.values()))} layers, "
      f"{len(layer_of)} functions, {len(problems)} problems")
sys.exit(1 if problems else 0)

"""Inclusive and own share of the samples per function, from py-spy's raw (folded) output.

python bench/shares.py <file.folded> [how many] [only stacks through this function]
"""

import collections
import re
import sys


def shares(path, through=None):
    total, inclusive, own = 0, collections.Counter(), collections.Counter()
    for line in open(path):
        stack, _, count = line.rstrip().rpartition(" ")
        frames = [re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")]  # a function, not a line
        if through and not any(through in frame for frame in frames):
            continue
        total += int(count)
        inclusive.update(dict.fromkeys(frames, int(count)))
        own[frames[-1]] += int(count)
    return total, inclusive, own


if __name__ == "__main__":
    total, inclusive, own = shares(sys.argv[1], sys.argv[3] if len(sys.argv) > 3 else None)
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    print(f"{total} samples; inclusive share:")
    for frame, count in inclusive.most_common(top):
        print(f"{100 * count / total:5.1f}%  {frame}")
    print("own share:")
    for frame, count in own.most_common(15):
        print(f"{100 * count / total:5.1f}%  {frame}")

"""Django-free core: plan files, evaluation and report building take plain data in and give plain
data out, so they can be tested and benchmarked without a database."""

"""Act as a concurrent writer: take SQLite's write lock on a database, say so, hold it for a
while, then commit. Usage: hold_write_lock.py DATABASE_PATH SECONDS"""
import sqlite3
import sys
import time

connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("COMMIT")
connection.close()
